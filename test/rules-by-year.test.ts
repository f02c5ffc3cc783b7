/**
 * Rules by year, kept (issue 11; store/rules.ts, migration 022): events
 * refer to their programme's rules by id and content hash, the rules live
 * once in the `rules` table, and a history replays under the rules (and the
 * machine version) it recorded, whatever was recorded after it.
 *
 *  - A school's 2026/27 year is recorded; then a new version of that year's
 *    rules (a higher grant) and a new year, 2027/28, with a new rule (five
 *    meetings, not four) are recorded for other schools. The first school's
 *    history replays unchanged (same states, same payment) from the rules it
 *    refers to; the new version and the new year use their own rules.
 *  - Rows written before migration 022 (a copy of the rules in the payload
 *    and the state) replay and verify as they are, and a new event after them
 *    is written by reference; the old rows are not rewritten.
 *  - A history decided by machine pathway@1.0.0 replays under 1.0.0.
 *  - Rules changed behind the table's trigger are found by verify.
 * PGlite and Postgres.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedEngine, type EmbeddedEngine } from '../host/embedded.js';
import { SimulatedClock } from '../host/clock.js';
import { Programme } from '../domain/catalogue/schema.js';
import { decide, fold, initialState, parseEvent, type PersistedPathway } from '../machines/decide.js';
import * as v1 from '../machines/v1/decide.js';
import type { PathwayEvent, PathwayEventInput } from '../machines/events.js';
import { appendEvent, readStream, verifyStream } from '../store/event-log.js';
import { stateAt } from '../store/states.js';
import { eventHashV2 } from '../store/hash.js';
import { payments } from '../store/ledger.js';
import { rulesHash } from '../store/rules.js';
import { saveStream } from '../store/streams.js';
import { schoolEvents } from '../store/board.js';
import type { Store } from '../store/index.js';
import type { Db } from '../store/db.js';
import { nextSecondaryYear, type SchoolYear } from './scenarios/school-year.js';
import { secondaryEmb } from './fixtures/programmes.js';
import { dbTargets, useTestDb } from './helpers/db.js';

function storeOf(db: Db): Store {
  return { db, migrations: { applied: [], skipped: [] } as unknown as Store['migrations'], describe: () => db.describe(), close: async () => undefined };
}

/** A secondary Development year starting in September of `y`. */
const yearOf = (y: number): SchoolYear => nextSecondaryYear(DateTime.fromISO(`${y}-06-01`, { zone: 'Europe/London' }));

const y26 = yearOf(2026);
const y27 = yearOf(2027);
/** A new version of 2026/27's rules (same programme id, different content): a higher grant. */
const y26v2 = Programme.parse({ ...y26.programme, funding: { ...y26.programme.funding!, amountPence: 300_000 } });
/** 2027/28's rules change: five meetings instead of four, and a grant of £2,500. */
const y27new = Programme.parse({ ...y27.programme, sessions: y27.programme.sessions.map((s) => ({ ...s, min: 5 })), funding: { ...y27.programme.funding!, amountPence: 250_000 } });

/** A whole year's events under `programme` (the schedule's meetings as `year` has them, plus any extra). */
function wholeYear(year: SchoolYear, programme: Programme, extraMeeting?: string): PathwayEventInput[] {
  const e = year.events;
  const schedule = e.schedule as Extract<PathwayEventInput, { type: 'SCHEDULE_SET' }>;
  const sessions = extraMeeting ? [...schedule.sessions, { id: 'm5', kind: 'meeting' as const, at: extraMeeting, place: 'Riverside Academy' }] : schedule.sessions;
  const attendance = extraMeeting ? [...e.attendance, { type: 'ATTENDANCE_RECORDED' as const, at: extraMeeting.replace('T13:00', 'T17:00'), sessionId: 'm5', teachersPresent: 2 }] : e.attendance;
  const sorted = [...attendance].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return [{ ...e.apply, programme } as PathwayEventInput, e.eligible, e.selected, e.committed, { ...schedule, sessions }, ...sorted, e.evaluation];
}

/** What an auditor compares: every entry's phase and status, the state then, and the payments. */
async function picture(engine: EmbeddedEngine, db: Db, urn: string) {
  const h = await engine.history(urn);
  const events = await readStream(db, urn);
  const replayed = fold(urn, events.map((e) => e.payload as PathwayEvent));
  return {
    entries: h.entries.map((x) => [x.version, x.type, x.phase, x.status]),
    stateAt: h.stateAt,
    replayMatches: h.replayMatches,
    replayError: h.replayError,
    tampered: h.tampered,
    grant: replayed.context.programme?.funding?.amountPence,
    paid: replayed.context.fundingPaidPence,
    ledger: (await payments(db, { urn })).map((p) => [p.programmeId, p.academicYear, p.amountPence]),
  };
}

/**
 * Writes a school's events as the log stored them before migration 022: the
 * programme copied into the payload and the state, hash v2 over that. The
 * same statements appendEvent ran then. Not pure.
 */
async function writeOldShape(db: Db, urn: string, inputs: PathwayEventInput[]): Promise<void> {
  let state: PersistedPathway = initialState(urn);
  let prevHash: string | null = null;
  let version = 0;
  let summary: unknown = null;
  for (const input of inputs) {
    const e = parseEvent(input);
    const d = decide(state, e);
    version++;
    const slot = (await db.query<{ position: string; recorded_at: string }>("SELECT nextval('events_position_seq') AS position, now() AS recorded_at")).rows[0]!;
    const occurredAt = new Date(e.at).toISOString();
    const hash = eventHashV2({ position: Number(slot.position), recordedAt: slot.recorded_at, urn, version, type: e.type, payload: e, occurredAt, actor: 'ops', machineVersion: d.machineVersion, state: d.snapshot, prevHash });
    await db.query(
      `INSERT INTO events (urn, version, type, payload, occurred_at, actor, machine_version, state, prev_hash, hash, position, recorded_at, hash_version)
       VALUES ($1, $2, $3, $4::jsonb, $5, 'ops', $6, $7::jsonb, $8, $9, $10, $11, 2)`,
      [urn, version, e.type, JSON.stringify(e), occurredAt, d.machineVersion, JSON.stringify(d.snapshot), prevHash, hash, Number(slot.position), slot.recorded_at],
    );
    state = d.snapshot;
    prevHash = hash;
    summary = d.summary;
  }
  await saveStream(db, { urn, version, snapshot: state, summary: summary as Record<string, unknown> });
}

describe.each(dbTargets())('rules by year, kept, on $name', (target) => {
  const t = useTestDb(target);
  let engine: EmbeddedEngine;
  let mailbox: string;
  const send = (urn: string, events: PathwayEventInput[]) => engine.sendMany(events.map((event) => ({ urn, event, actor: 'ops' })));

  beforeAll(async () => {
    mailbox = mkdtempSync(join(tmpdir(), 'pathway-rules-mail-'));
    engine = await createEmbeddedEngine({ store: storeOf(t.db), clock: new SimulatedClock('2026-05-01T00:00:00Z'), mailbox });
  }, 120_000);
  afterAll(async () => {
    await engine?.close();
    rmSync(mailbox, { recursive: true, force: true });
  });

  it('an old year replays unchanged after a new version of its rules and a new year with a new rule; the new ones use their own rules', async () => {
    await send('610001', wholeYear(y26, y26.programme));
    const before = await picture(engine, t.db, '610001');
    expect(before).toMatchObject({ replayMatches: true, replayError: null, tampered: null, grant: 200_000, paid: 200_000, ledger: [[y26.programme.id, '2026/27', 200_000]] });
    expect(before.stateAt).toMatchObject({ phase: 'development', status: 'completed', sessionsRequired: 4 });

    // The row refers to the rules; it carries no copy of them, and no state (compact events); a snapshot refers to them too.
    const rows = (await t.db.query<{ version: number; payload: Record<string, unknown>; state: unknown }>('SELECT version, payload, state FROM events WHERE urn = $1 ORDER BY version', ['610001'])).rows;
    const ref = { id: y26.programme.id, academicYear: '2026/27', rulesHash: rulesHash(y26.programme) };
    expect(rows[0]!.payload.programme).toEqual(ref);
    for (const r of rows) expect(r.state).toBeNull();
    const snaps = (await t.db.query<{ state: { context: Record<string, unknown> } }>('SELECT state FROM snapshots WHERE urn = $1', ['610001'])).rows;
    for (const r of snaps) expect(r.state.context.programme).toEqual(ref);
    // Readers get the whole programme back: the log, and the school page's timeline ("Applied for <name>").
    expect((await readStream(t.db, '610001'))[0]!.payload).toMatchObject({ programme: y26.programme });
    expect((await schoolEvents(t.db, '610001'))[0]!.payload).toMatchObject({ programme: { name: y26.programme.name } });

    // A new version of 2026/27's rules, and 2027/28 with five meetings.
    await send('610002', wholeYear(y26, y26v2));
    const e27 = wholeYear(y27, y27new);
    // Four meetings no longer make a 2027/28 schedule: the new rule, named.
    await expect(send('610003', e27.slice(0, 5))).rejects.toThrow(/at least 5/);
    await send('610003', wholeYear(y27, y27new, DateTime.fromISO('2028-06-14T13:00', { zone: 'Europe/London' }).toISO()!));

    const v2 = await picture(engine, t.db, '610002');
    expect(v2).toMatchObject({ replayMatches: true, grant: 300_000, paid: 300_000, ledger: [[y26.programme.id, '2026/27', 300_000]] });
    const n27 = await picture(engine, t.db, '610003');
    expect(n27).toMatchObject({ replayMatches: true, grant: 250_000, paid: 250_000, ledger: [[y27.programme.id, '2027/28', 250_000]] });
    expect(n27.stateAt).toMatchObject({ academicYear: '2027/28', status: 'completed', sessionsRequired: 5, sessionsHeld: 5 });

    // Each version kept once: two of 2026/27, one of 2027/28.
    const kept = (await t.db.query<{ id: string; hash: string }>('SELECT id, hash FROM rules ORDER BY id, hash')).rows;
    expect(kept).toEqual(
      [
        { id: y26.programme.id, hash: rulesHash(y26.programme) },
        { id: y26.programme.id, hash: rulesHash(y26v2) },
        { id: y27.programme.id, hash: rulesHash(y27new) },
      ].sort((a, b) => a.id.localeCompare(b.id) || a.hash.localeCompare(b.hash)),
    );

    // The old history: the same states and the same payment as before anything new was recorded.
    expect(await picture(engine, t.db, '610001')).toEqual(before);
    expect(await verifyStream(t.db, '610001')).toBeNull();
  }, 240_000);

  it('rows written with a copy of the rules (before migration 022) replay and verify as they are; a new event after them refers to its rules', async () => {
    const urn = '610004';
    await writeOldShape(t.db, urn, wholeYear(y26, y26.programme).slice(0, 6));
    const oldRows = async () => (await t.db.query('SELECT * FROM events WHERE urn = $1 AND version <= 6 ORDER BY version', [urn])).rows;
    const stored = await oldRows();
    expect((stored[0]!.payload as { programme: Record<string, unknown> }).programme).toHaveProperty('sessions');
    expect(await verifyStream(t.db, urn)).toBeNull();
    const h = await engine.history(urn);
    expect(h).toMatchObject({ replayMatches: true, replayError: null, tampered: null });

    // Read back whole, whichever shape the row has.
    expect((await readStream(t.db, urn))[0]!.payload).toMatchObject({ programme: y26.programme });

    await send(urn, wholeYear(y26, y26.programme).slice(6));
    expect(await oldRows()).toEqual(stored);
    // A new row stores no state (compact events); the state after it is the fold from the old rows' stored states.
    const newRow = (await t.db.query<{ state: unknown }>('SELECT state FROM events WHERE urn = $1 AND version = 7', [urn])).rows[0]!;
    expect(newRow.state).toBeNull();
    expect((await stateAt(t.db, urn, 7))?.context.programme).toEqual(y26.programme);
    expect(await verifyStream(t.db, urn)).toBeNull();
    const after = await picture(engine, t.db, '610004');
    expect(after).toMatchObject({ replayMatches: true, replayError: null, tampered: null, paid: 200_000 });
    expect(after.stateAt).toMatchObject({ status: 'completed' });
  }, 240_000);

  it('a history decided by machine pathway@1.0.0 replays under 1.0.0, not under the machine of this build', async () => {
    const urn = '610005';
    const emb = Programme.parse({ ...secondaryEmb, id: 'sec-emb-2027', academicYear: '2027/28' });
    const inputs = [...wholeYear(y26, y26.programme), { type: 'ADVANCED', at: '2027-09-01T09:00:00+01:00', programme: emb } as PathwayEventInput];
    let state = v1.initialState(urn);
    for (const [i, input] of inputs.entries()) {
      const e = v1.parseEvent(input);
      const d = v1.decide(state, e);
      await appendEvent(t.db, { urn, expectedVersion: i, type: e.type, payload: e, occurredAt: e.at, actor: 'temporal', machineVersion: d.machineVersion, state: d.snapshot });
      await saveStream(t.db, { urn, version: i + 1, snapshot: d.snapshot, summary: d.summary as unknown as Record<string, unknown> });
      state = d.snapshot;
    }
    expect((await readStream(t.db, urn)).every((e) => e.machineVersion === 'pathway@1.0.0')).toBe(true);
    // 1.0.0 kept the old work group after ADVANCED; this build's machine leaves it, so only 1.0.0 replays the stored states.
    expect(state.context.groupId).toBe(y26.events.selected.type === 'SELECTED' ? (y26.events.selected as { groupId: string }).groupId : null);
    const today = fold(urn, (await readStream(t.db, urn)).map((e) => e.payload as PathwayEvent));
    expect(today.context.groupId).toBeNull();
    const h = await engine.history(urn);
    expect(h).toMatchObject({ replayMatches: true, replayError: null, tampered: null });
  }, 240_000);

  it('rules changed behind the rules table trigger are found, and the table refuses changes otherwise', async () => {
    const hash = rulesHash(y27new);
    await expect(t.db.query("UPDATE rules SET body = jsonb_set(body, '{funding,amountPence}', '999999') WHERE hash = $1", [hash])).rejects.toThrow(/append-only/);
    await expect(t.db.query('DELETE FROM rules WHERE hash = $1', [hash])).rejects.toThrow(/append-only/);
    await t.db.tx(async (tx) => {
      await tx.query('ALTER TABLE rules DISABLE TRIGGER rules_append_only');
      await tx.query("UPDATE rules SET body = jsonb_set(body, '{funding,amountPence}', '999999') WHERE hash = $1", [hash]);
      await tx.query('ALTER TABLE rules ENABLE TRIGGER rules_append_only');
    });
    expect(await verifyStream(t.db, '610003')).toEqual({ version: 1, reason: expect.stringMatching(/^version 1 \(APPLY\) cannot be checked against its rules: the rules it refers to \(sec-dev-2027@[0-9a-f]{12}\.\.\.\) were changed after they were recorded/) });
    // Another year's rules are untouched, and so are the histories that refer to them.
    expect(await verifyStream(t.db, '610001')).toBeNull();
  }, 120_000);
});
