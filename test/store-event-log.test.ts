import { describe, expect, it } from 'vitest';
import { ValidationError, VersionConflictError } from '../domain/errors.js';
import { openDb, type Db } from '../store/db.js';
import { appendEvent, latestVersion, readAll, readStream, verifyStream, versionPastTimers, type AppendEventInput } from '../store/event-log.js';
import { eventHashV2 } from '../store/hash.js';
import { saveStream } from '../store/streams.js';
import { dbTargets, useTestDb } from './helpers/db.js';

let urnSeq = 100000;
/** A school URN no other test in this file uses. */
const freshUrn = (): string => String(++urnSeq);

function ev(urn: string, expectedVersion: number, over: Partial<AppendEventInput> = {}): AppendEventInput {
  const day = String(expectedVersion + 1).padStart(2, '0');
  return {
    urn,
    expectedVersion,
    type: 'GAP_TASK_COMPLETED',
    payload: { type: 'GAP_TASK_COMPLETED', at: `2021-01-${day}T09:00:00Z`, task: `task ${expectedVersion + 1}` },
    occurredAt: `2021-01-${day}T09:00:00Z`,
    actor: 'ops@hub.example',
    machineVersion: 'pathway@1',
    state: { value: 'active', context: { tasks: expectedVersion + 1 } },
    ...over,
  };
}

async function appendMany(db: Db, urn: string, n: number): Promise<void> {
  for (let v = 0; v < n; v++) await appendEvent(db, ev(urn, v));
}

/** Runs SQL with the append-only triggers switched off, as a superuser tampering with the table would. */
async function tamper(db: Db, sql: string, params: unknown[] = []): Promise<void> {
  await db.tx(async (tx) => {
    await tx.query('ALTER TABLE events DISABLE TRIGGER events_append_only');
    await tx.query(sql, params);
    await tx.query('ALTER TABLE events ENABLE TRIGGER events_append_only');
  });
}

describe.each(dbTargets())('event log on $name', (target) => {
  const t = useTestDb(target);

  it('appends versions 1, 2, 3 chained by hash, and reads them back as written', async () => {
    const urn = freshUrn();
    const first = await appendEvent(t.db, ev(urn, 0, { occurredAt: '2021-01-01T09:00:00+00:00' }));
    const second = await appendEvent(t.db, ev(urn, 1));
    const third = await appendEvent(t.db, ev(urn, 2, { actor: 'timer', payload: { nested: { b: 2, a: [1, 'x', null] } } }));
    expect([first.version, second.version, third.version]).toEqual([1, 2, 3]);
    expect(second.position).toBeGreaterThan(first.position);
    expect(third.position).toBeGreaterThan(second.position);
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(first.recordedAt)).not.toBeNaN();

    const events = await readStream(t.db, urn);
    expect(events.map((e) => e.version)).toEqual([1, 2, 3]);
    expect(events[0]!.occurredAt).toBe('2021-01-01T09:00:00.000Z');
    expect(events[0]!.prevHash).toBeNull();
    expect(events[1]!.prevHash).toBe(first.hash);
    expect(events[2]!.prevHash).toBe(second.hash);
    expect(events[2]).toMatchObject({ actor: 'timer', machineVersion: 'pathway@1', payload: { nested: { a: [1, 'x', null], b: 2 } }, hash: third.hash });
    // Compact events (migration 023): the row keeps the event, not the state after it.
    expect(events.map((x) => x.state)).toEqual([null, null, null]);
    // The stored hash is the documented one: sha256 over canonical JSON of the event's fields (v2: position and recorded time too).
    const e = events[2]!;
    expect(e.hashVersion).toBe(2);
    expect(eventHashV2({ position: e.position, recordedAt: e.recordedAt, urn, version: 3, type: e.type, payload: e.payload, occurredAt: e.occurredAt, actor: e.actor, machineVersion: e.machineVersion, state: e.state, prevHash: second.hash })).toBe(third.hash);
    expect(await latestVersion(t.db, urn)).toBe(3);
    expect(await latestVersion(t.db, freshUrn())).toBe(0);
    expect(await verifyStream(t.db, urn)).toBeNull();
  });

  it('refuses a stale writer with VersionConflictError and writes nothing', async () => {
    const urn = freshUrn();
    await appendMany(t.db, urn, 2);
    const err = await appendEvent(t.db, ev(urn, 1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VersionConflictError);
    expect(err).toMatchObject({ urn, expected: 1, actual: 2 });
    expect((err as Error).message).toContain(`school ${urn} is at version 2, not 1`);
    const ahead = await appendEvent(t.db, ev(urn, 5)).catch((e: unknown) => e);
    expect(ahead).toMatchObject({ name: 'VersionConflictError', expected: 5, actual: 2 });
    expect((await readStream(t.db, urn)).length).toBe(2);
  });

  it('lets exactly one of many racing writers with the same expectedVersion win, with nothing half-written', async () => {
    const urn = freshUrn();
    await appendMany(t.db, urn, 1);
    await saveStream(t.db, { urn, version: 1, snapshot: { by: 'setup' }, summary: { status: 'active' } });
    const writers = Array.from({ length: 8 }, (_, i) => t.db.tx(async (tx) => {
      // A host's unit of work: append, then save the projection in the same transaction.
      const appended = await appendEvent(tx, ev(urn, 1, { actor: `writer-${i}` }));
      await saveStream(tx, { urn, version: appended.version, snapshot: { by: `writer-${i}` }, summary: { status: 'active' } });
      return i;
    }));
    const results = await Promise.allSettled(writers);
    const winners = results.filter((r) => r.status === 'fulfilled');
    const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(7);
    for (const l of losers) expect(l.reason).toBeInstanceOf(VersionConflictError);
    const winner = (winners[0] as PromiseFulfilledResult<number>).value;
    const events = await readStream(t.db, urn);
    expect(events.map((e) => [e.version, e.actor])).toEqual([[1, 'ops@hub.example'], [2, `writer-${winner}`]]);
    const stream = await t.db.query<{ version: number; snapshot: unknown }>('SELECT version, snapshot FROM streams WHERE urn = $1', [urn]);
    expect(stream.rows).toEqual([{ version: 2, snapshot: { by: `writer-${winner}` } }]);
    expect(await verifyStream(t.db, urn)).toBeNull();
  });

  it('lets exactly one of two writers create a new stream', async () => {
    const urn = freshUrn();
    const results = await Promise.allSettled([appendEvent(t.db, ev(urn, 0, { actor: 'a' })), appendEvent(t.db, ev(urn, 0, { actor: 'b' }))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const loser = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
    expect(loser.reason).toMatchObject({ name: 'VersionConflictError', expected: 0, actual: 1 });
    expect((await readStream(t.db, urn)).length).toBe(1);
  });

  it('refuses malformed events, naming each field', async () => {
    const err = await appendEvent(t.db, { ...ev(freshUrn(), 0), expectedVersion: -1, occurredAt: '1 March 2021', actor: '', payload: undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    const message = (err as Error).message;
    expect(message).toContain('expectedVersion must be a whole number of at least 0 (got -1)');
    expect(message).toContain('occurredAt must be an ISO date-time with offset');
    expect(message).toContain('"1 March 2021"');
    expect(message).toContain('actor must be a non-empty string');
    expect(message).toContain('payload must be a JSON value');
  });

  it("a form shown at a version writes against the version now when only timers wrote since, and still conflicts after a person's write", async () => {
    const urn = freshUrn();
    await appendEvent(t.db, ev(urn, 0));
    expect(await versionPastTimers(t.db, urn, 1)).toBe(1);
    await appendEvent(t.db, ev(urn, 1, { actor: 'timer' }));
    await appendEvent(t.db, ev(urn, 2, { actor: 'timer' }));
    expect(await versionPastTimers(t.db, urn, 1)).toBe(3);
    await appendEvent(t.db, ev(urn, 3, { actor: 'hub-staff-1' }));
    await appendEvent(t.db, ev(urn, 4, { actor: 'timer' }));
    expect(await versionPastTimers(t.db, urn, 1)).toBe(1);
    expect(await versionPastTimers(t.db, urn, 4)).toBe(5);
    expect(await versionPastTimers(t.db, freshUrn(), 0)).toBe(0);
  });

  it('reads a stream up to a version or up to a school date', async () => {
    const urn = freshUrn();
    await appendMany(t.db, urn, 5); // occurred 2021-01-01 .. 2021-01-05 at 09:00Z
    expect((await readStream(t.db, urn, { toVersion: 3 })).map((e) => e.version)).toEqual([1, 2, 3]);
    expect((await readStream(t.db, urn, { until: '2021-01-03T09:00:00Z' })).map((e) => e.version)).toEqual([1, 2, 3]);
    expect((await readStream(t.db, urn, { until: '2021-01-03T08:59:59Z' })).map((e) => e.version)).toEqual([1, 2]);
    expect((await readStream(t.db, urn, { until: '2021-01-04T10:00:00+01:00' })).map((e) => e.version)).toEqual([1, 2, 3, 4]);
    expect((await readStream(t.db, urn, { toVersion: 4, until: '2021-01-02T09:00:00Z' })).map((e) => e.version)).toEqual([1, 2]);
    await expect(readStream(t.db, urn, { until: 'yesterday' })).rejects.toThrow(/until must be an ISO date-time/);
  });

  it('replays every event in global order, in batches, from a position', async () => {
    const a = freshUrn();
    const b = freshUrn();
    for (let v = 0; v < 4; v++) {
      await appendEvent(t.db, ev(a, v));
      await appendEvent(t.db, ev(b, v));
    }
    const all: { urn: string; version: number; position: number }[] = [];
    for await (const e of readAll(t.db, { batch: 3 })) all.push({ urn: e.urn, version: e.version, position: e.position });
    const positions = all.map((e) => e.position);
    expect(positions).toEqual([...positions].sort((x, y) => x - y));
    expect(new Set(positions).size).toBe(positions.length);
    const mine = all.filter((e) => e.urn === a || e.urn === b);
    expect(mine.map((e) => `${e.urn}:${e.version}`)).toEqual([1, 2, 3, 4].flatMap((v) => [`${a}:${v}`, `${b}:${v}`]));
    const from = mine[5]!.position;
    const rest: number[] = [];
    for await (const e of readAll(t.db, { fromPosition: from, batch: 2 })) rest.push(e.position);
    expect(rest).toEqual(positions.filter((p) => p >= from));
  });

  it('refuses UPDATE, DELETE and TRUNCATE on events inside the database', async () => {
    const urn = freshUrn();
    await appendMany(t.db, urn, 2);
    await expect(t.db.query(`UPDATE events SET payload = '{"forged":true}'::jsonb WHERE urn = $1 AND version = 1`, [urn]))
      .rejects.toThrow(`the event log is append-only: UPDATE of event ${urn} version 1 is not allowed`);
    await expect(t.db.query('DELETE FROM events WHERE urn = $1 AND version = 2', [urn]))
      .rejects.toThrow(`the event log is append-only: DELETE of event ${urn} version 2 is not allowed`);
    await expect(t.db.query('TRUNCATE events')).rejects.toThrow('the event log is append-only: TRUNCATE of events is not allowed');
    const events = await readStream(t.db, urn);
    expect(events.map((e) => e.version)).toEqual([1, 2]);
    expect(await verifyStream(t.db, urn)).toBeNull();
  });

  describe('tampering (append-only trigger disabled, as a superuser could)', () => {
    it('names the version whose payload was changed', async () => {
      const urn = freshUrn();
      await appendMany(t.db, urn, 4);
      await tamper(t.db, `UPDATE events SET payload = jsonb_set(payload, '{task}', '"forged"') WHERE urn = $1 AND version = 2`, [urn]);
      const finding = await verifyStream(t.db, urn);
      expect(finding).toMatchObject({ version: 2 });
      expect(finding!.reason).toMatch(/version 2 \(GAP_TASK_COMPLETED\) was changed after it was recorded/);
    });

    it('names a changed actor or occurrence time too', async () => {
      const urn = freshUrn();
      await appendMany(t.db, urn, 3);
      await tamper(t.db, `UPDATE events SET occurred_at = occurred_at - interval '1 day' WHERE urn = $1 AND version = 3`, [urn]);
      expect(await verifyStream(t.db, urn)).toMatchObject({ version: 3 });
      const other = freshUrn();
      await appendMany(t.db, other, 3);
      await tamper(t.db, `UPDATE events SET actor = 'someone-else' WHERE urn = $1 AND version = 1`, [other]);
      expect(await verifyStream(t.db, other)).toMatchObject({ version: 1 });
    });

    it('names the version deleted from the middle', async () => {
      const urn = freshUrn();
      await appendMany(t.db, urn, 5);
      await tamper(t.db, 'DELETE FROM events WHERE urn = $1 AND version = 3', [urn]);
      const finding = await verifyStream(t.db, urn);
      expect(finding).toMatchObject({ version: 3 });
      expect(finding!.reason).toMatch(/version 3 is missing/);
    });

    it('finds a middle event deleted and the later ones renumbered to close the gap', async () => {
      const urn = freshUrn();
      await appendMany(t.db, urn, 4);
      await tamper(t.db, 'DELETE FROM events WHERE urn = $1 AND version = 2', [urn]);
      await tamper(t.db, 'UPDATE events SET version = version - 1 WHERE urn = $1 AND version > 2', [urn]);
      const finding = await verifyStream(t.db, urn);
      expect(finding).toMatchObject({ version: 2 });
      expect(finding!.reason).toMatch(/does not follow version 1/);
    });

    it('names the versions of reordered events', async () => {
      const urn = freshUrn();
      await appendMany(t.db, urn, 4);
      // Swap versions 2 and 3 (via a free number, as the unique constraint demands).
      await tamper(t.db, 'UPDATE events SET version = 99 WHERE urn = $1 AND version = 2', [urn]);
      await tamper(t.db, 'UPDATE events SET version = 2 WHERE urn = $1 AND version = 3', [urn]);
      await tamper(t.db, 'UPDATE events SET version = 3 WHERE urn = $1 AND version = 99', [urn]);
      const finding = await verifyStream(t.db, urn);
      expect(finding).toMatchObject({ version: 2 });
      expect(finding!.reason).toMatch(/version 2 does not follow version 1/);
    });

    it('names events deleted from the end, against the stream head', async () => {
      const urn = freshUrn();
      await appendMany(t.db, urn, 4);
      await saveStream(t.db, { urn, version: 4, snapshot: {}, summary: {} });
      await tamper(t.db, 'DELETE FROM events WHERE urn = $1 AND version >= 3', [urn]);
      const finding = await verifyStream(t.db, urn);
      expect(finding).toMatchObject({ version: 3 });
      expect(finding!.reason).toMatch(/the stream is at version 4 but the log ends at version 2: versions 3 to 4 were deleted/);
    });

    it('finds a forged event whose hash was recomputed, at the event after it', async () => {
      const urn = freshUrn();
      await appendMany(t.db, urn, 3);
      const [e1, e2] = await readStream(t.db, urn);
      const forgedPayload = { ...(e2!.payload as object), task: 'forged' };
      const forgedHash = eventHashV2({ position: e2!.position, recordedAt: e2!.recordedAt, urn, version: 2, type: e2!.type, payload: forgedPayload, occurredAt: e2!.occurredAt, actor: e2!.actor, machineVersion: e2!.machineVersion, state: e2!.state, prevHash: e1!.hash });
      await tamper(t.db, 'UPDATE events SET payload = $2::jsonb, hash = $3 WHERE urn = $1 AND version = 2', [urn, JSON.stringify(forgedPayload), forgedHash]);
      expect(await verifyStream(t.db, urn)).toMatchObject({ version: 3 });
    });
  });
});

describe.each(dbTargets().filter((x) => x.name === 'postgres'))('event log races on $name (separate connections)', (target) => {
  const t = useTestDb(target);

  it('a write that commits while the chain is being checked is not taken for a deleted tail (the check stopped healthy schools under load)', async () => {
    const urn = freshUrn();
    await appendMany(t.db, urn, 3);
    await saveStream(t.db, { urn, version: 3, snapshot: {}, summary: {} });
    // A reader whose events query is followed, before its next statement, by another writer's committed append.
    let raced = false;
    const racing: Db = {
      ...t.db,
      query: (async (sql: string, params?: readonly unknown[]) => {
        const result = await t.db.query(sql, params);
        if (!raced && /FROM events WHERE urn = \$1/.test(sql)) {
          raced = true;
          await t.db.tx(async (tx) => {
            const appended = await appendEvent(tx, ev(urn, 3));
            await saveStream(tx, { urn, version: appended.version, snapshot: {}, summary: {} });
          });
        }
        return result;
      }) as Db['query'],
    };
    expect(await verifyStream(racing, urn)).toBeNull();
    expect(raced).toBe(true);
    expect(await verifyStream(t.db, urn)).toBeNull();
  });

  it('turns a writer that bypassed the lock into VersionConflictError through the unique (urn, version) constraint', async () => {
    const urn = freshUrn();
    const other = await openDb(t.database.url);
    try {
      let commit!: () => void;
      const mayCommit = new Promise<void>((r) => (commit = r));
      let inserted!: () => void;
      const didInsert = new Promise<void>((r) => (inserted = r));
      // Transaction 1 writes version 1 by hand (no advisory lock) and holds it uncommitted.
      const rogue = other.tx(async (tx) => {
        await tx.query(
          `INSERT INTO events (urn, version, type, payload, occurred_at, actor, machine_version, state, prev_hash, hash)
           VALUES ($1, 1, 'APPLY', '{}'::jsonb, now(), 'rogue', 'x', '{}'::jsonb, NULL, repeat('a', 64))`,
          [urn],
        );
        inserted();
        await mayCommit;
      });
      await didInsert;
      // appendEvent sees no version 1 yet, inserts, and blocks on the unique index until the rogue commits.
      const appending = appendEvent(t.db, ev(urn, 0)).catch((e: unknown) => e);
      setTimeout(commit, 200);
      await rogue;
      const err = await appending;
      expect(err).toBeInstanceOf(VersionConflictError);
      expect(err).toMatchObject({ expected: 0, actual: 1 });
      const rows = await t.db.query<{ actor: string }>('SELECT actor FROM events WHERE urn = $1', [urn]);
      expect(rows.rows).toEqual([{ actor: 'rogue' }]);
    } finally {
      await other.close();
    }
  });
});
