/**
 * Compact events (issue 10, migration 023): an event row holds the event and
 * its hash, nothing derived; the state after any version is the fold of the
 * events, from the nearest snapshot (every 50 events of a stream and where a
 * school's year ends). A whole secondary Development year with 48 gap tasks (past
 * version 50) and its year end, through the embedded engine:
 *  - no event row stores a state; snapshots at version 50 and at the evaluation;
 *  - the state after every version, read from the nearest snapshot, equals
 *    the fold of the events from version 1, and the stream's current state
 *    (its programme by reference, like a snapshot's) equals the fold of all
 *    of them, also after a head saved with its programme copied in (as
 *    before 2026-12-04) is extended;
 *  - the audit's history replays clean and verifies;
 *  - the grant's payment names the event after which the fold first shows
 *    it paid, found without any stored state.
 * PGlite and Postgres.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedEngine, type EmbeddedEngine } from '../host/embedded.js';
import { SimulatedClock } from '../host/clock.js';
import { fold, type PersistedPathway } from '../machines/decide.js';
import type { PathwayEvent, PathwayEventInput } from '../machines/events.js';
import { readStream, verifyStream } from '../store/event-log.js';
import { canonicalJson } from '../store/hash.js';
import { payments, releasingEventOf } from '../store/ledger.js';
import { rulesHash } from '../store/rules.js';
import { SNAPSHOT_EVERY } from '../store/snapshots.js';
import { loadStream } from '../store/streams.js';
import { stateAt, statesOf } from '../store/states.js';
import type { Store } from '../store/index.js';
import type { Db } from '../store/db.js';
import { nextSecondaryYear } from './scenarios/school-year.js';
import { dbTargets, useTestDb } from './helpers/db.js';

function storeOf(db: Db): Store {
  return { db, migrations: { applied: [], skipped: [] } as unknown as Store['migrations'], describe: () => db.describe(), close: async () => undefined };
}

const year = nextSecondaryYear(DateTime.fromISO('2026-06-01', { zone: 'Europe/London' }));
const e = year.events;
const scheduledAt = DateTime.fromISO((e.schedule as { at: string }).at);
/** 48 gap tasks a minute apart after the schedule, so the stream passes version 50 within the year. */
const gapTasks: PathwayEventInput[] = Array.from({ length: 48 }, (_, i) => ({ type: 'GAP_TASK_COMPLETED', at: scheduledAt.plus({ minutes: i + 1 }).toISO()!, task: `Gap task ${i + 1}` }));
const attendance = [...e.attendance].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
const events: PathwayEventInput[] = [e.apply, e.eligible, e.selected, e.committed, e.schedule, ...gapTasks, ...attendance, e.evaluation];
const URN = '620001';

describe.each(dbTargets())('compact events on $name', (target) => {
  const t = useTestDb(target);
  let engine: EmbeddedEngine;
  let mailbox: string;

  beforeAll(async () => {
    mailbox = mkdtempSync(join(tmpdir(), 'pathway-compact-mail-'));
    engine = await createEmbeddedEngine({ store: storeOf(t.db), clock: new SimulatedClock('2026-05-01T00:00:00Z'), mailbox });
    await engine.sendMany(events.map((event) => ({ urn: URN, event, actor: 'ops' })));
    // The year end and the reminders come from the machine's timers.
    await engine.tick('2027-09-30T12:00:00Z');
  }, 120_000);
  afterAll(async () => {
    await engine?.close();
    rmSync(mailbox, { recursive: true, force: true });
  });

  it('stores no state in any event row, and a snapshot every 50 events and where its year ends', async () => {
    const rows = (await t.db.query<{ version: number; type: string; state: unknown }>('SELECT version, type, state FROM events WHERE urn = $1 ORDER BY version', [URN])).rows;
    expect(rows.length).toBeGreaterThan(SNAPSHOT_EVERY);
    expect(rows.filter((r) => r.state !== null)).toEqual([]);
    // This school's year ends with its evaluation (YEAR_ENDED comes only to a school the year passed by).
    const yearEnd = rows.find((r) => r.type === 'EVALUATION_SUBMITTED');
    expect(yearEnd).toBeDefined();
    const snaps = (await t.db.query<{ version: number }>('SELECT version FROM snapshots WHERE urn = $1 ORDER BY version', [URN])).rows.map((r) => r.version);
    expect(snaps).toEqual([SNAPSHOT_EVERY, yearEnd!.version].sort((a, b) => a - b));
  });

  it('gives the state after every version, from the nearest snapshot, equal to the fold from version 1', async () => {
    const stored = await readStream(t.db, URN);
    const payloads = stored.map((x) => x.payload as PathwayEvent);
    const { states, error } = await statesOf(t.db, URN);
    expect(error).toBeNull();
    for (const x of stored) {
      const folded = fold(URN, payloads.slice(0, x.version));
      expect(canonicalJson(await stateAt(t.db, URN, x.version))).toBe(canonicalJson(folded));
      expect(canonicalJson(states.get(x.version))).toBe(canonicalJson(folded));
    }
    // The current state keeps the programme by reference, like a snapshot; read through the store it is whole again.
    const row = (await t.db.query<{ snapshot: PersistedPathway }>('SELECT snapshot FROM streams WHERE urn = $1', [URN])).rows[0]!.snapshot;
    expect(row.context.programme).toEqual({ id: year.programme.id, academicYear: year.academicYear, rulesHash: rulesHash(year.programme) });
    expect(canonicalJson((await loadStream(t.db, URN))!.snapshot)).toBe(canonicalJson(fold(URN, payloads)));
    expect(await stateAt(t.db, URN, stored.length + 1)).toBeNull();
  });

  it('replays clean in the audit history and verifies', async () => {
    const h = await engine.history(URN);
    expect(h).toMatchObject({ replayMatches: true, replayError: null, tampered: null });
    expect(h.stateAt).toMatchObject({ phase: 'development', status: 'completed' });
    expect(await verifyStream(t.db, URN)).toBeNull();
  });

  it('extends a school whose current state was saved with its programme copied in (before 2026-12-04)', async () => {
    const urn = '620002';
    const first = await createEmbeddedEngine({ store: storeOf(t.db), clock: new SimulatedClock('2026-05-01T00:00:00Z'), mailbox });
    try {
      await first.send(urn, e.apply, { actor: 'ops' });
    } finally {
      await first.close();
    }
    const whole = (await loadStream(t.db, urn))!.snapshot as PersistedPathway;
    // As a head was saved before: its programme whole.
    await t.db.query('UPDATE streams SET snapshot = $2::jsonb WHERE urn = $1', [urn, JSON.stringify(whole)]);
    const hash = rulesHash(year.programme);
    // A new engine (nothing remembered) reads the head from the table and writes the next event.
    const next = await createEmbeddedEngine({ store: storeOf(t.db), clock: new SimulatedClock('2026-05-01T00:00:00Z'), mailbox });
    try {
      await next.send(urn, e.eligible, { actor: 'ops' });
    } finally {
      await next.close();
    }
    const row = (await t.db.query<{ snapshot: PersistedPathway }>('SELECT snapshot FROM streams WHERE urn = $1', [urn])).rows[0]!.snapshot;
    // Written again by reference.
    expect(row.context.programme).toMatchObject({ rulesHash: hash });
    const stored = (await readStream(t.db, urn)).map((x) => x.payload as PathwayEvent);
    expect(stored.map((x) => x.type)).toEqual(['APPLY', 'ELIGIBILITY_ASSESSED']);
    expect(canonicalJson((await loadStream(t.db, urn))!.snapshot)).toBe(canonicalJson(fold(urn, stored)));
    expect(await verifyStream(t.db, urn)).toBeNull();
  });

  it("dates the grant at the event after which the fold first shows it paid, with no stored state", async () => {
    const stored = await readStream(t.db, URN);
    const payloads = stored.map((x) => x.payload as PathwayEvent);
    const first = stored.find((x) => (fold(URN, payloads.slice(0, x.version)).context.fundingPaidPence ?? 0) > 0)!;
    expect(first.type).toBe('ATTENDANCE_RECORDED');
    const found = await releasingEventOf(t.db, URN, year.programme.id, year.academicYear);
    expect(found).toEqual({ version: first.version, occurredAt: first.occurredAt });
    const [paid] = await payments(t.db, { urn: URN });
    expect(paid).toMatchObject({ amountPence: 200_000, releasedByVersion: first.version, paidAt: first.occurredAt });
  });
});
