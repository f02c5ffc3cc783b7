/**
 * Faults below us, under a served write load (issue 12): hub staff record gap
 * tasks for several schools at once over the HTTP API while every connection
 * of the service's Postgres database is killed (pg_terminate_backend) again
 * and again. Each request answers 200 or 503 ("the database is unavailable;
 * try again"), never another 5xx; a client that tries a 503 again with the
 * same If-Match finishes (a 409 on the retry means the first attempt was
 * stored); and every gap task is in the school's history exactly once.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../service/context.js';
import { assessEligibility, selectApplication, submitApplication } from '../service/applications.js';
import { createGroup } from '../service/groups.js';
import { signCommitment } from '../service/schools.js';
import { readStream } from '../store/event-log.js';
import { dbTargets } from './helpers/db.js';
import { HUB_A, secondaryForm, startApi, type ApiHarness } from './api-harness.js';

const postgres = dbTargets().find((x) => x.name === 'postgres')!;
const root: Principal = { id: 'fixture', name: 'fixture maker', role: 'admin', hubs: [] };
const SCHOOLS = 3;
const TASKS = 8;

describe('a served write load while Postgres connections are killed', () => {
  let h: ApiHarness;
  const urns: string[] = [];

  beforeAll(async () => {
    h = await startApi(postgres, { start: '2021-01-10T12:00:00Z' });
    for (let i = 0; i < SCHOOLS; i++) {
      const form = secondaryForm(700 + i);
      await submitApplication(h.svc, root, form);
      const urn = form.school.urn as string;
      await assessEligibility(h.svc, root, urn, { eligible: true });
      const g = await createGroup(h.svc, root, { programmeId: 'secondary-development-2020-21', hub: HUB_A, lead: { name: 'Lead', email: 'lead@a.example' } });
      await selectApplication(h.svc, root, urn, { groupId: g.id });
      await signCommitment(h.svc, root, urn, { signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] });
      urns.push(urn);
    }
  }, 240_000);
  afterAll(async () => h?.close());

  it('answers 200 or 503, finishes every write on a retry, and stores each gap task once', async () => {
    const database = new URL(h.dbUrl).pathname.slice(1);
    const killer = new pg.Client({ connectionString: h.dbUrl.replace(/\/[^/?]+(\?|$)/, '/postgres$1') });
    await killer.connect();
    let kills = 0;
    let writing = true;
    const statuses: number[] = [];
    const killing = (async () => {
      while (writing) {
        const answered = statuses.length;
        const r = await killer.query('SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
        kills += r.rows[0].n as number;
        // The next kill waits for an answer (200 or 503) since this one: on a loaded machine, kills every 100 ms alone keep every reconnect failing for its whole 15 s.
        do await new Promise((resolve) => setTimeout(resolve, 100));
        while (writing && statuses.length === answered);
      }
    })();

    const unavailable = new Set<string>();
    const writeAll = async (urn: string) => {
      for (let n = 1; n <= TASKS; n++) {
        const body = { task: `gap task ${n} of ${urn}` };
        // The version the write must follow, read again after a 503 only if the read itself fails.
        let version: number | null = null;
        for (let attempt = 1; ; attempt++) {
          expect(attempt, `${body.task}: still refused after 50 tries`).toBeLessThan(50);
          if (version === null) {
            const got = await h.call('GET', `/schools/${urn}`, { as: 'staffA' });
            statuses.push(got.status);
            if (got.status !== 200) continue;
            version = got.body.version as number;
          }
          const r = await h.call('POST', `/schools/${urn}/gap-tasks`, { as: 'staffA', body, headers: { 'if-match': `"${version}"` } });
          statuses.push(r.status);
          if (r.status === 200) break;
          // The first try was stored after all: the school has moved past the version this write followed.
          if (r.status === 409 && attempt > 1) break;
          expect(r.status, JSON.stringify(r.body)).toBe(503);
          unavailable.add(String(r.body.error));
        }
      }
    };
    try {
      await Promise.all(urns.map(writeAll));
    } finally {
      writing = false;
      await killing;
      await killer.end();
    }

    expect(kills).toBeGreaterThan(0);
    expect(statuses.filter((s) => s >= 500 && s !== 503)).toEqual([]);
    for (const message of unavailable) expect(message).toMatch(/database is unavailable; try again/);
    for (const urn of urns) {
      const tasks = (await readStream(h.svc.db, urn)).filter((e) => e.type === 'GAP_TASK_COMPLETED').map((e) => (e.payload as { task: string }).task);
      expect(tasks.sort()).toEqual(Array.from({ length: TASKS }, (_, i) => `gap task ${i + 1} of ${urn}`).sort());
    }
    // The service is healthy again once the killing stops.
    expect((await h.call('GET', '/health')).status).toBe(200);
  }, 300_000);
});
