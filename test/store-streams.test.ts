import { describe, expect, it } from 'vitest';
import { ValidationError, VersionConflictError } from '../domain/errors.js';
import { listStreams, loadStream, saveStream, type StreamSummary } from '../store/streams.js';
import { dbTargets, useTestDb } from './helpers/db.js';

interface Summary extends StreamSummary {
  urn: string;
  name: string;
  hub: string;
  phase: string;
  status: string;
  programmeId: string;
  academicYear: string;
  groupId: string | null;
  overdue: boolean;
  nextDeadline?: string;
}

const school = (urn: string, over: Partial<Summary> = {}): Summary => ({
  urn,
  name: `School ${urn}`,
  hub: 'Boolean',
  phase: 'development',
  status: 'active',
  programmeId: 'secondary-tfm-development',
  academicYear: '2020/21',
  groupId: 'WG-1',
  overdue: false,
  ...over,
});

describe.each(dbTargets())('streams on $name', (target) => {
  const t = useTestDb(target);

  it('saves and loads a snapshot and the whole summary record', async () => {
    const summary = school('200001', { nextDeadline: '2021-03-01T09:00:00.000Z' });
    await saveStream(t.db, { urn: '200001', version: 3, snapshot: { value: { active: 'meetings' }, context: { n: 1 } }, summary });
    const loaded = await loadStream<Summary>(t.db, '200001');
    expect(loaded).toMatchObject({ urn: '200001', version: 3, snapshot: { value: { active: 'meetings' }, context: { n: 1 } }, summary });
    expect(Date.parse(loaded!.updatedAt)).not.toBeNaN();
    expect(await loadStream(t.db, '299999')).toBeNull();
  });

  it('overwrites with a newer or the same version, and refuses an older one', async () => {
    await saveStream(t.db, { urn: '200002', version: 2, snapshot: { v: 2 }, summary: school('200002') });
    await saveStream(t.db, { urn: '200002', version: 3, snapshot: { v: 3 }, summary: school('200002', { status: 'completed' }) });
    await saveStream(t.db, { urn: '200002', version: 3, snapshot: { v: '3 rebuilt' }, summary: school('200002', { status: 'completed' }) });
    const err = await saveStream(t.db, { urn: '200002', version: 2, snapshot: { v: 'stale' }, summary: school('200002') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VersionConflictError);
    expect(err).toMatchObject({ expected: 2, actual: 3 });
    expect(await loadStream<Summary>(t.db, '200002')).toMatchObject({ version: 3, snapshot: { v: '3 rebuilt' }, summary: { status: 'completed' } });
  });

  it('refuses a summary whose indexed fields have the wrong type', async () => {
    const err = await saveStream(t.db, { urn: '200003', version: 1, snapshot: {}, summary: { hub: 7 as unknown as string, overdue: 'yes' as unknown as boolean } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toContain('summary.hub must be a string or null (got 7)');
    expect((err as Error).message).toContain('summary.overdue must be true or false (got "yes")');
    expect(await loadStream(t.db, '200003')).toBeNull();
  });

  it('lists schools by every SchoolFilter field, in urn order, with limit and paging', async () => {
    const rows: Summary[] = [
      school('300001'),
      school('300002', { hub: 'Archimedes', phase: 'readiness', programmeId: 'primary-readiness', groupId: 'WG-2' }),
      school('300003', { status: 'withdrawn', groupId: null }),
      school('300004', { academicYear: '2021/22', overdue: true }),
      school('300005', { hub: 'Archimedes', overdue: true, groupId: 'WG-2' }),
    ];
    for (const [i, s] of rows.entries()) await saveStream(t.db, { urn: s.urn, version: i + 1, snapshot: {}, summary: s });
    const urns = async (filter: Parameters<typeof listStreams>[1]): Promise<string[]> =>
      (await listStreams<Summary>(t.db, filter)).map((s) => s.urn).filter((u) => u.startsWith('3'));

    expect(await urns({})).toEqual(['300001', '300002', '300003', '300004', '300005']);
    expect(await urns({ hub: 'Archimedes' })).toEqual(['300002', '300005']);
    expect(await urns({ phase: 'readiness' })).toEqual(['300002']);
    expect(await urns({ programmeId: 'secondary-tfm-development', academicYear: '2020/21' })).toEqual(['300001', '300003', '300005']);
    expect(await urns({ academicYear: '2021/22' })).toEqual(['300004']);
    expect(await urns({ groupId: 'WG-2' })).toEqual(['300002', '300005']);
    expect(await urns({ status: 'withdrawn' })).toEqual(['300003']);
    expect(await urns({ overdue: true })).toEqual(['300004', '300005']);
    expect(await urns({ overdue: false, hub: 'Boolean' })).toEqual(['300001', '300003']);
    expect(await urns({ afterUrn: '300000', limit: 2 })).toEqual(['300001', '300002']);
    expect(await urns({ afterUrn: '300002', limit: 2 })).toEqual(['300003', '300004']);
    const listed = (await listStreams<Summary>(t.db, { hub: 'Archimedes', overdue: true }))[0]!;
    expect(listed).toMatchObject({ urn: '300005', version: 5, summary: rows[4] });
    expect(listed).not.toHaveProperty('snapshot');
    await expect(listStreams(t.db, { limit: 0 })).rejects.toThrow('limit must be a whole number of at least 1 (got 0)');
  });

  it(
    target.name === 'postgres'
      ? 'keeps a row locked with forUpdate until the transaction ends: a second reader is seen waiting on the lock in pg_stat_activity, then reads the new version'
      : 'PGlite has one connection, so a second transaction waits for the first to end (the Db mutex, seen in stats().waiting); a row lock itself cannot be observed here',
    async () => {
      await saveStream(t.db, { urn: '200004', version: 1, snapshot: { n: 1 }, summary: school('200004') });
      const order: string[] = [];
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => (locked = r));
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const first = t.db.tx(async (tx) => {
        const s = await loadStream(tx, '200004', { forUpdate: true });
        locked();
        await held;
        await saveStream(tx, { urn: '200004', version: s!.version + 1, snapshot: { n: 2 }, summary: school('200004') });
        order.push('first saved');
      });
      await isLocked;
      const second = t.db.tx(async (tx) => {
        const s = await loadStream(tx, '200004', { forUpdate: true });
        order.push(`second read version ${s!.version}`);
      });
      // Observe the second one waiting (not a sleep that passes whether or not it waits).
      const waiting = async (): Promise<boolean> => {
        if (target.name === 'pglite') return t.db.stats().waiting === 1;
        const r = await t.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%FROM streams%FOR UPDATE%'",
        );
        return r.rows[0]!.n === 1;
      };
      const deadline = Date.now() + 10_000;
      while (!(await waiting())) {
        if (Date.now() > deadline) throw new Error('the second transaction was never seen waiting for the first: the row is not locked');
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(order).toEqual([]);
      release();
      await Promise.all([first, second]);
      expect(order).toEqual(['first saved', 'second read version 2']);
    },
  );
});
