/**
 * The embedded host keeps the heads it wrote (host/head-cache.ts) so that
 * its next write to a school does not read the stored state back. It must
 * never decide from a state other than the one stored: a write by another
 * host, a change to the streams row by hand, or a batch rolled back all
 * make it read the row as before. PGlite and Postgres.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedEngine, type EmbeddedEngine } from '../host/embedded.js';
import { HeadCache } from '../host/head-cache.js';
import { SimulatedClock } from '../host/clock.js';
import { EventRejectedError } from '../domain/errors.js';
import type { Store } from '../store/index.js';
import { readStream, verifyStream } from '../store/event-log.js';
import type { Db } from '../store/db.js';
import { initialState } from '../machines/decide.js';
import { dbTargets, useTestDb } from './helpers/db.js';
import { apply, eligible, selected, signedAt } from './helpers/secondary-school.js';

const signed = signedAt('2020-07-04T12:00:00+01:00');

/** `db` with the states each head read brought back counted: a head read that finds the row as this host wrote it brings none. */
function watchingHeadReads(db: Db): { db: Db; statesRead: () => number } {
  let n = 0;
  const count = (r: { rows: { streams?: { snapshot?: unknown }[] | null }[] }) => {
    for (const s of r.rows[0]?.streams ?? []) if (s.snapshot !== undefined) n++;
  };
  const wrap = (target: Db): Db =>
    new Proxy(target, {
      get(t, prop) {
        if (prop === 'query')
          return async (sql: string, params?: readonly unknown[]) => {
            const r = await t.query(sql, params);
            if (sql.includes('AS streams,')) count(r as never);
            return r;
          };
        if (prop === 'tx') return (fn: (tx: Db) => Promise<unknown>) => t.tx((tx) => fn(wrap(tx)));
        const v = Reflect.get(t, prop, t) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
  return { db: wrap(db), statesRead: () => n };
}

describe.each(dbTargets())('the heads the embedded host keeps, on $name', (target) => {
  const t = useTestDb(target);
  let a: EmbeddedEngine;
  let b: EmbeddedEngine;
  let watched: ReturnType<typeof watchingHeadReads>;
  let mailbox: string;

  beforeAll(async () => {
    mailbox = mkdtempSync(join(tmpdir(), 'pathway-heads-mail-'));
    watched = watchingHeadReads(t.db);
    const store = (db: Db): Store => ({ db, migrations: { applied: [], skipped: [] } as unknown as Store['migrations'], describe: () => t.db.describe(), close: async () => undefined });
    a = await createEmbeddedEngine({ store: store(watched.db), clock: new SimulatedClock('2020-06-01T00:00:00Z'), mailbox, dispatch: 'manual' });
    b = await createEmbeddedEngine({ store: store(t.db), clock: new SimulatedClock('2020-06-01T00:00:00Z'), mailbox, dispatch: 'manual' });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    rmSync(mailbox, { recursive: true, force: true });
  });

  it('a school the host wrote last is written again without reading its state back', async () => {
    const urn = '720001';
    await a.send(urn, apply(urn), { actor: 'hub' });
    const before = watched.statesRead();
    await a.send(urn, eligible, { actor: 'hub' });
    await a.send(urn, selected(urn), { actor: 'hub' });
    expect(watched.statesRead() - before).toBe(0);
    expect((await readStream(t.db, urn)).map((e) => e.type)).toEqual(['APPLY', 'ELIGIBILITY_ASSESSED', 'SELECTED']);
    expect(await verifyStream(t.db, urn)).toBeNull();
  });

  it('after another host wrote to the school, the next write decides from the state that host stored', async () => {
    const urn = '720002';
    await a.send(urn, apply(urn), { actor: 'hub' });
    await a.send(urn, eligible, { actor: 'hub' });
    // Host b selects the school; host a still remembers it as only eligible, where a signed commitment is refused.
    await b.send(urn, selected(urn), { actor: 'hub' });
    const before = watched.statesRead();
    const r = await a.send(urn, signed, { actor: 'hub' });
    expect(r.version).toBe(4);
    // Read at least once (the write is tried again after the host checks the history it did not write).
    expect(watched.statesRead() - before).toBeGreaterThan(0);
    expect(await verifyStream(t.db, urn)).toBeNull();
  });

  it('a streams row changed by hand at the same version is read again, not taken from memory', async () => {
    const urn = '720003';
    await a.send(urn, apply(urn), { actor: 'hub' });
    await a.send(urn, eligible, { actor: 'hub' });
    await t.db.query(`UPDATE streams SET snapshot = jsonb_set(snapshot, '{context,school,name}', '"Renamed in the row"') WHERE urn = $1`, [urn]);
    const before = watched.statesRead();
    await a.send(urn, selected(urn), { actor: 'hub' });
    expect(watched.statesRead() - before).toBe(1);
    const row = (await t.db.query<{ name: string }>(`SELECT snapshot->'context'->'school'->>'name' AS name FROM streams WHERE urn = $1`, [urn])).rows[0];
    expect(row?.name).toBe('Renamed in the row');
  });

  it('a batch rolled back leaves nothing remembered: the next write stores the event at the version the database has', async () => {
    const [x, y] = ['720004', '720005'];
    await a.send(x, apply(x), { actor: 'hub' });
    await a.send(y, apply(y), { actor: 'hub' });
    // y cannot sign before it is selected: the whole batch is refused and x's eligibility is not stored.
    const refused = await a.sendMany([{ urn: x, event: eligible, actor: 'hub' }, { urn: y, event: signed, actor: 'hub' }]).then(() => null, (e: unknown) => e);
    expect(refused).toBeInstanceOf(EventRejectedError);
    expect((await readStream(t.db, x)).map((e) => e.version)).toEqual([1]);
    const r = await a.send(x, eligible, { actor: 'hub' });
    expect(r.version).toBe(2);
    expect(await verifyStream(t.db, x)).toBeNull();
  });
});

describe('HeadCache', () => {
  const head = (urn: string) => ({ mark: '1@1', snapshot: initialState(urn), summary: { urn } as never });

  it('keeps at most its size, dropping the least recently used', () => {
    const c = new HeadCache(2);
    c.keep([['1', head('1')], ['2', head('2')]]);
    c.get('1');
    c.keep([['3', head('3')]]);
    expect(c.size).toBe(2);
    expect(c.get('2')).toBeUndefined();
    expect(c.get('1')).toBeDefined();
    const marks = c.marksOf(['1', '2', '3']);
    expect(marks).toMatchObject({ urns: ['1', '3'], marks: ['1@1', '1@1'] });
    // The heads go with their marks: a keep() that pushes them out before the head read answers does not lose them.
    c.keep([['4', head('4')], ['5', head('5')]]);
    expect(c.get('1')).toBeUndefined();
    expect([...marks.heads.keys()]).toEqual(['1', '3']);
    expect(marks.heads.get('1')!.summary).toMatchObject({ urn: '1' });
  });

  it('freezes what it keeps, so a caller cannot change the state the next write starts from', () => {
    const c = new HeadCache();
    const h = head('9');
    c.keep([['9', h]]);
    expect(() => {
      (h.summary as { urn: string }).urn = 'changed';
    }).toThrow(TypeError);
  });
});
