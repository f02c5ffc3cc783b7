/**
 * Lanes side by side (a day's hub events and the ticks, each lane its own
 * schools: host/simulate.ts, host/embedded.ts tick) change how fast a
 * simulation runs, never what it records: the same hub simulated in one lane
 * and in three gives every school the same events in the same order, at the
 * same school times, the same current state, and the same emails. Postgres,
 * where the lanes run on connections of their own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEmbeddedEngine } from '../host/embedded.js';
import { SimulatedClock } from '../host/clock.js';
import { SIMULATION_ACTOR, SIMULATION_DISPATCH, simulateHub } from '../host/simulate.js';
import type { Store } from '../store/index.js';
import type { Db } from '../store/db.js';
import { dbTargets, withTestDb } from './helpers/db.js';

const storeOf = (db: Db): Store => ({ db, migrations: { applied: [], alreadyApplied: [] }, describe: () => db.describe(), close: async () => undefined });
const postgres = dbTargets().find((t) => t.name === 'postgres')!;

/** What a simulation recorded, in a form two databases can be compared by: no log positions, no recording times. */
async function recorded(lanes: number, headsKept?: number) {
  return withTestDb(postgres, async (db) => {
    const mailbox = mkdtempSync(join(tmpdir(), 'pathway-lanes-mail-'));
    const engine = await createEmbeddedEngine({ store: storeOf(db), clock: new SimulatedClock('2017-01-01T00:00:00Z'), dispatch: SIMULATION_DISPATCH, mailbox, headsKept });
    try {
      const summary = await simulateHub({ engine, schools: 12, years: 2, seed: 5, lanes });
      const events = (
        await db.query<{ urn: string; version: number; type: string; actor: string; occurred_at: string; payload: unknown }>(
          'SELECT urn, version, type, actor, occurred_at, payload FROM events ORDER BY urn, version',
        )
      ).rows.map((e) => ({ ...e, occurred_at: new Date(e.occurred_at).toISOString() }));
      const heads = (await db.query<{ urn: string; version: number; summary: unknown; snapshot: unknown }>('SELECT urn, version, summary, snapshot FROM streams ORDER BY urn')).rows;
      const mail = (await db.query<{ key: string; template: string; subject: string; sent_at: string }>('SELECT key, template, subject, sent_at FROM sent_messages ORDER BY key')).rows.map((m) => ({
        ...m,
        sent_at: new Date(m.sent_at).toISOString(),
      }));
      return { events, heads, mail, total: summary.events.total, rejected: summary.run.rejections };
    } finally {
      await engine.close();
      rmSync(mailbox, { recursive: true, force: true });
    }
  });
}

describe('a simulation in lanes side by side, postgres', () => {
  it('records what one lane records: every school\'s events, state and emails', async () => {
    const one = await recorded(1);
    const three = await recorded(3);
    // A hub with a real year in it: applications, sessions, reminders, emails.
    expect(one.total).toBeGreaterThan(300);
    expect(new Set(one.events.map((e) => e.actor))).toEqual(new Set([SIMULATION_ACTOR, 'timer']));
    expect(one.mail.length).toBeGreaterThan(50);
    expect(three.events).toEqual(one.events);
    expect(three.heads).toEqual(one.heads);
    expect(three.mail).toEqual(one.mail);
    expect(one.rejected).toEqual([]);
    expect(three.rejected).toEqual([]);
  }, 240_000);

  it('records the same when the lanes push each other\'s kept heads out of a cache smaller than the hub', async () => {
    // At 10,000 schools (more than the 4,000 heads kept) a lane's batch lost, between its head read and its use,
    // the heads another lane's commit had pushed out, and decided from an empty state: 1,160 hub events refused.
    const one = await recorded(1);
    const small = await recorded(3, 2);
    expect(small.rejected).toEqual([]);
    expect(small.events).toEqual(one.events);
    expect(small.heads).toEqual(one.heads);
    expect(small.mail).toEqual(one.mail);
  }, 240_000);
});
