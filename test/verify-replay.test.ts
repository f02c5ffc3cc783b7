/**
 * The log-wide replay check (`pathway verify --replay`, store/replay.ts):
 * every school's events folded through the rules again must give every
 * state the database keeps for it. Four schools with a whole secondary
 * Development year each (past version 50, so a periodic snapshot is kept,
 * and one at the evaluation), through the embedded engine:
 *  - a clean log replays clean: one result a school, every event folded,
 *    each school's replayed state equal to its current state in `streams`;
 *  - a current state changed in `streams`, a periodic snapshot changed, and
 *    an event changed so the rules refuse it are each found, named by
 *    school, version and what differs, and the fourth school stays clean;
 *  - a history written before compact events (each row keeping its state)
 *    replays clean, each row's state compared whole, and a row whose kept
 *    state was not what its event gives is named;
 *  - a replay stopped early gives its connections back.
 * PGlite and Postgres.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedEngine, type EmbeddedEngine } from '../host/embedded.js';
import { SimulatedClock } from '../host/clock.js';
import type { PathwayEventInput } from '../machines/events.js';
import { decide, initialState, parseEvent, type PersistedPathway } from '../machines/decide.js';
import { MACHINE_VERSION } from '../machines/pathway.js';
import { appendWithState } from './helpers/old-rows.js';
import { replayStreams, sameJson, type StreamReplay } from '../store/replay.js';
import { loadStream } from '../store/streams.js';
import { verifyLog } from '../service/verify.js';
import type { Store } from '../store/index.js';
import type { Db } from '../store/db.js';
import { nextSecondaryYear } from './scenarios/school-year.js';
import { dbTargets, useTestDb } from './helpers/db.js';

function storeOf(db: Db): Store {
  return { db, migrations: { applied: [], skipped: [] } as unknown as Store['migrations'], describe: () => db.describe(), close: async () => undefined };
}

/** Runs statements with every user trigger of these tables off, as only their owner could. */
async function asOwner(db: Db, tables: string[], fn: (tx: Db) => Promise<void>): Promise<void> {
  await db.tx(async (tx) => {
    for (const t of tables) await tx.query(`ALTER TABLE ${t} DISABLE TRIGGER USER`);
    await fn(tx);
    for (const t of tables) await tx.query(`ALTER TABLE ${t} ENABLE TRIGGER USER`);
  });
}

const year = nextSecondaryYear(DateTime.fromISO('2026-06-01', { zone: 'Europe/London' }));
const e = year.events;
const scheduledAt = DateTime.fromISO((e.schedule as { at: string }).at);
const gapTasks: PathwayEventInput[] = Array.from({ length: 48 }, (_, i) => ({ type: 'GAP_TASK_COMPLETED', at: scheduledAt.plus({ minutes: i + 1 }).toISO()!, task: `Gap task ${i + 1}` }));
const attendance = [...e.attendance].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
const events: PathwayEventInput[] = [e.apply, e.eligible, e.selected, e.committed, e.schedule, ...gapTasks, ...attendance, e.evaluation];
const URN = { current: '630001', snapshot: '630002', event: '630003', clean: '630004' };

async function replayAll(db: Db): Promise<StreamReplay[]> {
  const out: StreamReplay[] = [];
  for await (const r of replayStreams(db, { batch: 37 })) out.push(r);
  return out;
}

describe.each(dbTargets())('the replay check on $name', (target) => {
  const t = useTestDb(target);
  let engine: EmbeddedEngine;
  let mailbox: string;

  beforeAll(async () => {
    mailbox = mkdtempSync(join(tmpdir(), 'pathway-replay-mail-'));
    engine = await createEmbeddedEngine({ store: storeOf(t.db), clock: new SimulatedClock('2026-05-01T00:00:00Z'), mailbox });
    for (const urn of Object.values(URN)) await engine.sendMany(events.map((event) => ({ urn, event: { ...event, ...(event.type === 'APPLY' ? { school: { ...(event as { school: object }).school, name: `School ${urn}` } } : {}) } as PathwayEventInput, actor: 'ops' })));
    await engine.tick('2027-09-30T12:00:00Z');
  }, 180_000);
  afterAll(async () => {
    await engine?.close();
    rmSync(mailbox, { recursive: true, force: true });
  });

  it('replays a clean log clean: every school, every event, each state equal to the current one kept', async () => {
    const total = Number((await t.db.query<{ n: string }>('SELECT count(*)::text AS n FROM events')).rows[0]!.n);
    const snapshots = Number((await t.db.query<{ n: string }>('SELECT count(*)::text AS n FROM snapshots')).rows[0]!.n);
    expect(snapshots).toBeGreaterThanOrEqual(8); // version 50 and the year's end, in each of the four schools
    const results = await replayAll(t.db);
    expect(results.map((r) => r.urn)).toEqual(Object.values(URN).sort());
    expect(results.reduce((n, r) => n + r.events, 0)).toBe(total);
    for (const r of results) expect(r.problem).toBeNull();
    // Every kept state matched by its digest alone: the fold's state printed as Postgres prints jsonb, hashed alike.
    const kept = snapshots + 4;
    expect(results.reduce((n, r) => n + r.compared.byDigest, 0)).toBe(kept);
    expect(results.reduce((n, r) => n + r.compared.whole, 0)).toBe(0);
    for (const r of results) expect(sameJson(r.state, (await loadStream(t.db, r.urn))!.snapshot)).toBe(true);
    const report = await verifyLog(t.db, { replay: true, record: false });
    expect(report).toMatchObject({ clean: true, checked: { schools: 4, replayed: total } });
    expect((await verifyLog(t.db, { record: false })).checked.replayed).toBeNull();
  });

  it('matches by digest a current state saved with its programme copied in (before 2026-12-04)', async () => {
    const before = await replayAll(t.db);
    const whole = (await loadStream(t.db, URN.current))!;
    // As a head was saved before: the state itself, its programme whole (the same state, in the other form).
    await t.db.query('UPDATE streams SET snapshot = $2::jsonb WHERE urn = $1', [URN.current, JSON.stringify(whole.snapshot)]);
    expect((await t.db.query<{ id: string }>("SELECT snapshot->'context'->'programme'->>'name' AS id FROM streams WHERE urn = $1", [URN.current])).rows[0]!.id).toBeTruthy();
    const after = await replayAll(t.db);
    for (const r of after) expect(r.problem).toBeNull();
    expect(after.reduce((n, r) => n + r.compared.byDigest, 0)).toBe(before.reduce((n, r) => n + r.compared.byDigest, 0));
    expect(after.reduce((n, r) => n + r.compared.whole, 0)).toBe(0);
    expect(sameJson((await loadStream(t.db, URN.current))!.snapshot, whole.snapshot)).toBe(true);
  });

  it('finds a changed current state, a changed snapshot and a refused event, each by school and version', async () => {
    const head = (await t.db.query<{ version: number }>('SELECT version FROM streams WHERE urn = $1', [URN.current])).rows[0]!.version;
    const attended = (await t.db.query<{ version: number }>(`SELECT version FROM events WHERE urn = $1 AND type = 'ATTENDANCE_RECORDED' ORDER BY version LIMIT 1`, [URN.event])).rows[0]!.version;
    await asOwner(t.db, ['streams', 'snapshots', 'events'], async (tx) => {
      await tx.query(`UPDATE streams SET snapshot = jsonb_set(snapshot, '{context,gapTasks}', '7') WHERE urn = $1`, [URN.current]);
      await tx.query(`UPDATE snapshots SET state = jsonb_set(state, '{value}', '"withdrawn"') WHERE urn = $1 AND version = 50`, [URN.snapshot]);
      await tx.query(`UPDATE events SET payload = jsonb_set(payload, '{sessionId}', '"no-such-session"') WHERE urn = $1 AND version = $2`, [URN.event, attended]);
    });
    const report = await verifyLog(t.db, { replay: true, record: false });
    const replay = report.findings.filter((f) => f.check === 'replay');
    expect(replay.map((f) => [f.school, f.version])).toEqual([
      [URN.current, head],
      [URN.snapshot, 50],
      [URN.event, attended],
    ]);
    expect(replay[0]!.what).toMatch(/^the current state kept at version \d+ is not what the events give: both read Development: completed, but they differ in context\.gapTasks$/);
    expect(replay[1]!.what).toMatch(/^the snapshot kept at version 50 is not what the events give: the rules give Development: taking part, the database keeps Withdrawn$/);
    expect(replay[2]!.what).toContain(`version ${attended} (ATTENDANCE_RECORDED) does not replay:`);
    expect(replay[2]!.what).toContain('no-such-session');
    // The changed event breaks its chain too; nothing is said of the untouched school.
    expect(report.findings.some((f) => f.check === 'chain' && f.school === URN.event)).toBe(true);
    expect(report.findings.some((f) => f.school === URN.clean)).toBe(false);
  });

  it('replays a history whose rows keep their own states (before compact events), and names a row whose state is not its event\'s', async () => {
    const old = '630009';
    let state: PersistedPathway = initialState(old);
    const first = events.slice(0, 8).map((x) => parseEvent(x));
    for (const [i, event] of first.entries()) {
      state = decide(state, event).snapshot;
      // The seventh row keeps a state with two gap tasks more than its event gives, as a bug or a forger might have.
      const kept = i === 6 ? { ...state, context: { ...state.context, gapTasks: state.context.gapTasks + 2 } } : state;
      await appendWithState(t.db, { urn: old, expectedVersion: i, type: event.type, payload: event, occurredAt: event.at, actor: 'ops', machineVersion: MACHINE_VERSION, state: kept });
    }
    const [r] = await (async () => {
      const out: StreamReplay[] = [];
      for await (const x of replayStreams(t.db, { urns: [old], batch: 3 })) out.push(x);
      return out;
    })();
    expect(r).toMatchObject({ urn: old, events: 8, compared: { byDigest: 0, whole: 8 } });
    expect(r!.problem).toEqual({ version: 7, what: expect.stringMatching(/^the state stored with the event at version 7 is not what the events give: both read Development: .*, but they differ in context\.gapTasks$/) });
  });

  it('gives its connections back when the reader stops early', async () => {
    // Each page of events is read slowly, on a connection held meanwhile: a stop while the next page is being read would leave it lent.
    const slowPages: Db = {
      kind: t.db.kind,
      inTransaction: false,
      query: ((sql: string, params?: readonly unknown[]) =>
        /FROM events\s+WHERE \(urn, version\) >/.test(sql)
          ? t.db.tx(async (tx) => {
              await new Promise((r) => setTimeout(r, 150));
              return tx.query(sql, params);
            })
          : t.db.query(sql, params)) as Db['query'],
      exec: (sql) => t.db.exec(sql),
      tx: (fn) => t.db.tx(fn),
      describe: () => t.db.describe(),
      stats: () => t.db.stats(),
      close: async () => undefined,
    };
    // The engine holds a connection of its own (its liveness lock): what is lent before the replay is lent after it, nothing more.
    const lent = () => ({ lent: t.db.stats().total - t.db.stats().idle, waiting: t.db.stats().waiting });
    const before = lent();
    for await (const r of replayStreams(slowPages, { batch: 37 })) {
      expect(r.urn).toBeTruthy();
      break;
    }
    expect(lent()).toEqual(before);
    // The database still answers and the replay still runs whole.
    expect((await replayAll(t.db)).length).toBeGreaterThanOrEqual(4);
  });
});
