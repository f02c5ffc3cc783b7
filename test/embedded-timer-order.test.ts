/**
 * The embedded host fires each school's timers in due order, end to end
 * (issue 15: only the store's unit test saw the order, so a host that fired
 * a school's LAST due timer first passed every test). Schools are enrolled
 * with a year of meetings (reminders, attendance checks, the year end: 13
 * timers each), then one tick runs the year with small batches, so every
 * batch holds several due timers of one school. The timer events in each
 * school's log must come in the order of their due times, and each must be
 * recorded at its own due time. PGlite and Postgres.
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
import { listTimers } from '../store/timers.js';
import { dbTargets, useTestDb } from './helpers/db.js';

const storeOf = (db: Db): Store => ({ db, migrations: { applied: [], alreadyApplied: [] }, describe: () => db.describe(), close: async () => undefined });
const secondary = programmeFor('secondary', 'development', '2020/21')!;

function enrol(urn: string) {
  const school = { name: `School ${urn}`, route: 'secondary' as const, hub: 'Cambridge', headteacher: { name: 'Head Teacher', email: `head@${urn}.example` }, headOfDepartment: { name: 'Head of Maths', email: `hod@${urn}.example` } };
  const teachers = [
    { name: 'Advocate One', email: `one@${urn}.example`, role: 'headOfDepartment' },
    { name: 'Advocate Two', email: `two@${urn}.example`, role: 'aspiringLeader' },
  ];
  return [
    { urn, actor: 'setup', event: { type: 'APPLY' as const, at: '2020-07-01T12:00:00+01:00', programme: secondary, school, teachers } },
    { urn, actor: 'setup', event: { type: 'ELIGIBILITY_ASSESSED' as const, at: '2020-07-02T12:00:00+01:00', eligible: true } },
    { urn, actor: 'setup', event: { type: 'SELECTED' as const, at: '2020-07-03T12:00:00+01:00', groupId: `g-${urn}`, groupSize: 2 } },
    { urn, actor: 'setup', event: { type: 'COMMITMENT_SIGNED' as const, at: '2020-09-01T12:00:00+01:00', signatories: ['headteacher' as const, 'headOfDepartment' as const, 'teacher1' as const, 'teacher2' as const] } },
    { urn, actor: 'setup', event: { type: 'SCHEDULE_SET' as const, at: '2020-09-02T12:00:00+01:00', sessions: generateSchedule(secondary, '2020/21') } },
  ];
}

describe.each(dbTargets())('timers fire in due order on the embedded host, $name', (target) => {
  const t = useTestDb(target);
  let engine: EmbeddedEngine;
  let mailbox: string;

  beforeAll(async () => {
    mailbox = mkdtempSync(join(tmpdir(), 'pathway-timer-order-mail-'));
    engine = await createEmbeddedEngine({ store: storeOf(t.db), clock: new SimulatedClock('2020-06-01T00:00:00Z'), mailbox });
  });
  afterAll(async () => {
    await engine?.close();
    rmSync(mailbox, { recursive: true, force: true });
  });

  it.each([
    { lanes: 1, urns: ['420001', '420002', '420003'] },
    // Two lanes side by side (as a simulation's tick runs on Postgres): each school is in one lane, so its order holds.
    { lanes: 2, urns: ['420011', '420012', '420013', '420014', '420015'] },
  ])('each school\'s timer events follow their due times, each recorded when it fell due ($lanes lane(s))', async ({ lanes, urns }) => {
    await engine.sendMany(urns.flatMap(enrol));
    const due = new Map<string, { key: string; dueAt: string }[]>();
    for (const urn of urns) due.set(urn, (await listTimers(t.db, urn)).map((x) => ({ key: x.key, dueAt: x.dueAt })));
    expect(due.get(urns[0]!)!.length).toBe(13);
    // A year in one tick, 5 timers per transaction: a batch holds due timers of the same school, not only its first.
    const r = await engine.tick('2021-08-31', undefined, { batch: 5, lanes });
    expect(r.fired).toBe(13 * urns.length);
    for (const urn of urns) {
      const fired = (await t.db.query<{ version: number; occurred_at: string }>("SELECT version, occurred_at FROM events WHERE urn = $1 AND actor = 'timer' ORDER BY version", [urn])).rows;
      const dueTimes = due.get(urn)!.map((x) => x.dueAt).sort();
      // In the log's order, the timer events occurred at the due times, earliest first.
      expect(fired.map((e) => new Date(e.occurred_at).toISOString())).toEqual(dueTimes);
    }
  });
});
