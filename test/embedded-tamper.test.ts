/**
 * The event log defends itself: UPDATE, DELETE and TRUNCATE of events are
 * refused by the database; and when someone with the rights to switch that
 * defence off changes or deletes a stored event anyway (done here as the
 * superuser), history() finds it and names the event. PGlite and Postgres.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedEngine, type EmbeddedEngine } from '../host/embedded.js';
import { SimulatedClock } from '../host/clock.js';
import { programmeFor } from '../domain/catalogue/programmes.js';
import { generateSchedule } from '../domain/calendar/index.js';
import type { Store } from '../store/index.js';
import type { Db } from '../store/db.js';
import { dbTargets, useTestDb } from './helpers/db.js';

function storeOf(db: Db): Store {
  return { db, migrations: { applied: [], skipped: [] } as unknown as Store['migrations'], describe: () => db.describe(), close: async () => undefined };
}

const trg = programmeFor('primary', 'trg', '2018/19')!;

/** A school with six events: applied, eligible, selected, committed, two gap tasks. */
async function school(engine: EmbeddedEngine, urn: string): Promise<void> {
  await engine.sendMany([
    { urn, actor: 'ops', event: { type: 'APPLY', at: '2019-02-20T12:00:00Z', programme: trg, school: { name: `School ${urn}`, route: 'primary', hub: 'Cambridge', headteacher: { name: 'H', email: `h@${urn}.example` } }, teachers: [{ name: 'A', email: `a@${urn}.example`, role: 'mathsLead' }, { name: 'B', email: `b@${urn}.example`, role: 'teacher' }] } },
    { urn, actor: 'ops', event: { type: 'ELIGIBILITY_ASSESSED', at: '2019-03-10T12:00:00Z', eligible: true } },
    { urn, actor: 'ops', event: { type: 'SELECTED', at: '2019-03-22T12:00:00Z', groupId: 'g1', groupSize: 3 } },
    { urn, actor: 'ops', event: { type: 'COMMITMENT_SIGNED', at: '2019-03-25T12:00:00Z', signatories: ['headteacher', 'teacher1', 'teacher2'] } },
    { urn, actor: 'ops', event: { type: 'GAP_TASK_COMPLETED', at: '2019-04-01T12:00:00+01:00', task: 'bar models in Year 3' } },
    { urn, actor: 'ops', event: { type: 'GAP_TASK_COMPLETED', at: '2019-04-08T12:00:00+01:00', task: 'fluency starters' } },
  ]);
}

/** Runs `sql` with the append-only trigger off, as only a superuser (or the table owner) could. */
async function behindTheTriggersBack(db: Db, sql: string, params: unknown[] = []): Promise<number> {
  return db.tx(async (tx) => {
    await tx.query('ALTER TABLE events DISABLE TRIGGER events_append_only');
    const r = await tx.query(sql, params);
    await tx.query('ALTER TABLE events ENABLE TRIGGER events_append_only');
    return r.rowCount;
  });
}

const secondary = programmeFor('secondary', 'development', '2020/21')!;

/** A secondary school enrolled and scheduled for 2020/21: its reminders, checks and year end are timers. */
async function scheduled(engine: EmbeddedEngine, urn: string): Promise<void> {
  await engine.sendMany([
    { urn, actor: 'ops', event: { type: 'APPLY', at: '2020-07-01T12:00:00+01:00', programme: secondary, school: { name: `School ${urn}`, route: 'secondary', hub: 'Cambridge', headteacher: { name: 'H', email: `h@${urn}.example` }, headOfDepartment: { name: 'D', email: `d@${urn}.example` } }, teachers: [{ name: 'A', email: `a@${urn}.example`, role: 'headOfDepartment' }, { name: 'B', email: `b@${urn}.example`, role: 'aspiringLeader' }] } },
    { urn, actor: 'ops', event: { type: 'ELIGIBILITY_ASSESSED', at: '2020-07-02T12:00:00+01:00', eligible: true } },
    { urn, actor: 'ops', event: { type: 'SELECTED', at: '2020-07-03T12:00:00+01:00', groupId: `g-${urn}`, groupSize: 2 } },
    { urn, actor: 'ops', event: { type: 'COMMITMENT_SIGNED', at: '2020-09-01T12:00:00+01:00', signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] } },
    { urn, actor: 'ops', event: { type: 'SCHEDULE_SET', at: '2020-09-02T12:00:00+01:00', sessions: generateSchedule(secondary, '2020/21') } },
  ]);
}

describe.each(dbTargets())('timers of a school stopped by a tampered history, $name', (target) => {
  const t = useTestDb(target);
  let engine: EmbeddedEngine;
  let mailbox: string;
  beforeAll(async () => {
    mailbox = mkdtempSync(join(tmpdir(), 'pathway-tamper-mail-'));
    engine = await createEmbeddedEngine({ store: storeOf(t.db), clock: new SimulatedClock('2020-06-01T00:00:00Z'), mailbox });
  });
  afterAll(async () => {
    await engine?.close();
    rmSync(mailbox, { recursive: true, force: true });
  });

  it('a timer batch leaves the stopped school out and goes on with the others, and the tick ends', async () => {
    await scheduled(engine, '510001');
    await scheduled(engine, '510002');
    await behindTheTriggersBack(t.db, "UPDATE events SET actor = 'someone else' WHERE urn = $1 AND version = 3", ['510001']);
    expect((await engine.history('510001')).tampered?.version).toBe(3);
    const count = async (urn: string) => Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE urn = $1', [urn])).rows[0]!.n);
    const before = { stopped: await count('510001'), other: await count('510002') };
    const report = await engine.tick('2020-12-31');
    expect(await count('510001')).toBe(before.stopped);
    expect(await count('510002')).toBeGreaterThan(before.other);
    expect(report.fired).toBeGreaterThan(0);
    // Nothing of the stopped school is still due: its timers were dropped, said so, not retried for ever.
    expect((await t.db.query('SELECT 1 FROM timers WHERE urn = $1 AND due_at <= $2', ['510001', '2020-12-31T23:59:59Z'])).rowCount).toBe(0);
  }, 120_000);
});

describe.each(dbTargets())('tampering with the event log on $name', (target) => {
  const t = useTestDb(target);
  let engine: EmbeddedEngine;
  let mailbox: string;

  beforeAll(async () => {
    mailbox = mkdtempSync(join(tmpdir(), 'pathway-tamper-mail-'));
    engine = await createEmbeddedEngine({ store: storeOf(t.db), clock: new SimulatedClock('2019-01-01T00:00:00Z'), mailbox });
  });
  afterAll(async () => {
    await engine?.close();
    rmSync(mailbox, { recursive: true, force: true });
  });

  it('refuses UPDATE, DELETE and TRUNCATE of events, and leaves them as they were', async () => {
    await school(engine, '500001');
    const before = (await t.db.query('SELECT * FROM events WHERE urn = $1 ORDER BY version', ['500001'])).rows;
    await expect(t.db.query("UPDATE events SET payload = jsonb_set(payload, '{task}', '\"nothing\"') WHERE urn = $1 AND version = 5", ['500001'])).rejects.toThrow(/append-only: UPDATE of event 500001 version 5/);
    await expect(t.db.query('DELETE FROM events WHERE urn = $1 AND version = 6', ['500001'])).rejects.toThrow(/append-only: DELETE of event 500001 version 6/);
    await expect(t.db.query('TRUNCATE events')).rejects.toThrow(/append-only: TRUNCATE/);
    expect((await t.db.query('SELECT * FROM events WHERE urn = $1 ORDER BY version', ['500001'])).rows).toEqual(before);
    const h = await engine.history('500001');
    expect(h.tampered).toBeNull();
    expect(h.replayMatches).toBe(true);
  });

  it('names an event whose payload was changed behind the trigger', async () => {
    await school(engine, '500002');
    expect(await behindTheTriggersBack(t.db, "UPDATE events SET payload = jsonb_set(payload, '{task}', '\"a task never done\"') WHERE urn = $1 AND version = 5", ['500002'])).toBe(1);
    const h = await engine.history('500002');
    expect(h.tampered).toEqual({ version: 5, reason: expect.stringMatching(/version 5 \(GAP_TASK_COMPLETED\) was changed after it was recorded/) });
    // The history is still shown, with the changed payload, so the auditor sees what it now claims.
    expect(h.entries).toHaveLength(6);
    expect((h.entries[4]!.payload as { task: string }).task).toBe('a task never done');
    // As of a date before the change, the chain is still checked in full.
    expect((await engine.history('500002', { at: '2019-03-01' })).tampered?.version).toBe(5);
  });

  it('names a change that no longer replays, and still shows the history', async () => {
    await school(engine, '500003');
    // Turn the commitment into an evaluation: the machine would never have accepted it there.
    await behindTheTriggersBack(t.db, `UPDATE events SET type = 'EVALUATION_SUBMITTED', payload = '{"type":"EVALUATION_SUBMITTED","at":"2019-03-25T12:00:00Z","summary":""}' WHERE urn = $1 AND version = 4`, ['500003']);
    const h = await engine.history('500003');
    expect(h.tampered?.version).toBe(4);
    expect(h.tampered?.reason).toMatch(/EVALUATION_SUBMITTED\) was changed/);
    expect(h.replayMatches).toBe(false);
    expect(h.replayError).toMatch(/version 4 \(EVALUATION_SUBMITTED\) does not replay/);
    expect(h.entries.map((e) => e.version)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('names events deleted from the middle and from the end of a stream', async () => {
    await school(engine, '500004');
    await behindTheTriggersBack(t.db, 'DELETE FROM events WHERE urn = $1 AND version = 3', ['500004']);
    const middle = await engine.history('500004');
    expect(middle.tampered).toEqual({ version: 3, reason: expect.stringMatching(/version 3 is missing from the log/) });

    await school(engine, '500005');
    await behindTheTriggersBack(t.db, 'DELETE FROM events WHERE urn = $1 AND version = 6', ['500005']);
    const end = await engine.history('500005');
    expect(end.tampered).toEqual({ version: 6, reason: expect.stringMatching(/stream is at version 6 but the log ends at version 5: version 6 was deleted/) });
    // A writer does not build on a log with a hole at its end: nothing is appended.
    await expect(engine.send('500005', { type: 'GAP_TASK_COMPLETED', at: '2019-04-20T12:00:00+01:00', task: 'x' }, { actor: 'ops' })).rejects.toThrow(/version/);
    expect((await t.db.query('SELECT max(version) AS v FROM events WHERE urn = $1', ['500005'])).rows[0]).toEqual({ v: 5 });
  });

  it('names an event given a forged state (an event row stores none since compact events)', async () => {
    await school(engine, '500006');
    await behindTheTriggersBack(t.db, "UPDATE events SET state = jsonb_set((SELECT snapshot FROM streams WHERE urn = $1), '{context,fundingPaidPence}', '100000') WHERE urn = $1 AND version = 6", ['500006']);
    const h = await engine.history('500006');
    expect(h.tampered).toEqual({ version: 6, reason: expect.stringMatching(/version 6 \(GAP_TASK_COMPLETED\) was changed/) });
    expect(h.replayMatches).toBe(false);
  });

  it('a forged snapshot is found by the replay check: the hash chain does not cover snapshots, the fold of the events does', async () => {
    await school(engine, '500007');
    const before = await engine.history('500007');
    expect(before.replayMatches).toBe(true);
    await t.db.query(
      "INSERT INTO snapshots (urn, version, machine_version, state) SELECT $1, 6, machine_version, jsonb_set((SELECT snapshot FROM streams WHERE urn = $1), '{context,fundingPaidPence}', '100000') FROM events WHERE urn = $1 AND version = 6",
      ['500007'],
    );
    const h = await engine.history('500007');
    expect(h.tampered).toBeNull();
    expect(h.replayMatches).toBe(false);
  });
});

describe.each(dbTargets())('the check before each write, after the host\'s own writes, on $name', (target) => {
  const t = useTestDb(target);
  let engine: EmbeddedEngine;
  let mailbox: string;
  beforeAll(async () => {
    mailbox = mkdtempSync(join(tmpdir(), 'pathway-own-writes-'));
    engine = await createEmbeddedEngine({ store: storeOf(t.db), clock: new SimulatedClock('2019-01-01T00:00:00Z'), mailbox });
    await school(engine, '510900');
  });
  afterAll(async () => {
    await engine.close();
    rmSync(mailbox, { recursive: true, force: true });
  });

  it('reads no stored event again for its own writes, and still finds a change made after them', async () => {
    const statements: string[] = [];
    const query = t.db.query.bind(t.db);
    t.db.query = ((sql: string, params?: unknown[]) => {
      statements.push(sql);
      return query(sql, params);
    }) as Db['query'];
    try {
      const payloadReads = () => statements.filter((s) => /FROM events/.test(s) && /payload/.test(s)).length;
      // The first write checks the whole history once (the batch wrote it; this process had not verified it).
      await engine.send('510900', { type: 'GAP_TASK_COMPLETED', at: '2019-04-15T12:00:00+01:00', task: 'reasoning prompts' }, { actor: 'ops' });
      const afterFirst = payloadReads();
      expect(afterFirst).toBeGreaterThan(0);
      // Each later write finds the stream as this process left it, from its fingerprint alone.
      for (const [i, task] of ['number talks', 'same-day intervention', 'stem sentences'].entries()) {
        await engine.send('510900', { type: 'GAP_TASK_COMPLETED', at: `2019-04-${22 + i}T12:00:00+01:00`, task }, { actor: 'ops' });
      }
      expect(payloadReads()).toBe(afterFirst);
    } finally {
      t.db.query = query;
    }
    // A change to one of those writes, behind the triggers' back, is found by the next write's check.
    await behindTheTriggersBack(t.db, "UPDATE events SET payload = jsonb_set(payload, '{task}', '\"never done\"') WHERE urn = $1 AND version = 8", ['510900']);
    await expect(engine.send('510900', { type: 'GAP_TASK_COMPLETED', at: '2019-05-01T12:00:00+01:00', task: 'too late' }, { actor: 'ops' })).rejects.toThrow(/tampered with at version 8/);
  });
});
