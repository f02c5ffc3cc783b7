/**
 * Hub people, allocation and the action plan through the API (PGlite and
 * Postgres, migration 021) and the CLI (a PGlite folder, in process): a
 * Secondary Mastery Specialist takes two departments and the third is
 * refused with 422 naming the rule (leaderLoad), the field and the seed, the
 * reservation given back; If-Match on school writes; the action plan is made
 * with the allocated specialist and shows in the school summary; a cohort
 * transition of a Readiness school not judged Mastery Ready is refused with
 * the rule and the seed (dry run and real run).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../cli/main.js';
import { planSchool } from '../host/cohort.js';
import type { SchoolSummary } from '../machines/summary.js';
import { dbTargets } from './helpers/db.js';
import { startApi, secondaryForm, type ApiHarness } from './api-harness.js';

const aims = { coherence: 'small steps in every unit', representationAndStructure: 'bar models', mathematicalThinking: 'reasoning prompts', fluency: 'number facts', variation: 'varied practice' };

describe.each(dbTargets())('people and action plans over the API ($name)', (target) => {
  let h: ApiHarness;
  const urns: string[] = [];
  beforeAll(async () => {
    h = await startApi(target, { start: '2020-07-08T08:00:00Z' });
    for (const n of [0, 1, 2]) {
      const form = secondaryForm(n);
      expect((await h.call('POST', '/applications', { as: 'staffA', body: form })).status).toBe(201);
      expect((await h.call('POST', `/applications/${form.school.urn}/eligibility`, { as: 'staffA', body: { eligible: true } })).status).toBe(200);
      urns.push(form.school.urn);
    }
    // Two schools a group (2020/21): two groups for three schools.
    for (const id of ['gn-dev-a', 'gn-dev-b']) {
      expect((await h.call('POST', '/groups', { as: 'staffA', body: { programmeId: 'secondary-development-2020-21', hub: 'great-north', lead: { name: 'Sam Specialist', email: 'sam@specialist.example' }, id } })).status).toBe(201);
    }
    for (const [i, urn] of urns.entries()) expect((await h.call('POST', `/applications/${urn}/select`, { as: 'staffA', body: { groupId: i < 2 ? 'gn-dev-a' : 'gn-dev-b' } })).status).toBe(200);
  }, 120_000);
  afterAll(async () => h?.close());

  it('adds a specialist (another hub may not), lists them; a third department is refused (422, rule leaderLoad, field personId, seed 001) and given back', async () => {
    const bad = await h.call('POST', '/people', { as: 'staffA', body: { hub: 'great-north', name: 'Sam Okafor', email: 'not-an-email', role: 'specialist' } });
    expect(bad.status).toBe(400);
    expect(bad.body.problems[0]).toMatchObject({ path: 'email' });
    expect((await h.call('POST', '/people', { as: 'staffB', body: { hub: 'great-north', name: 'Sam Okafor', email: 'sam@hub.example', role: 'specialist' } })).status).toBe(403);
    const added = await h.call('POST', '/people', { as: 'staffA', body: { hub: 'great-north', name: 'Sam Okafor', email: 'sam@hub.example', role: 'specialist' } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ id: 'sam-okafor', hub: 'great-north', role: 'specialist' });
    expect((await h.call('POST', '/people', { as: 'staffA', body: { hub: 'great-north', name: 'Sam Okafor', email: 'sam2@hub.example', role: 'specialist' } })).status).toBe(409);

    for (const [i, urn] of urns.slice(0, 2).entries()) {
      const r = await h.call('POST', `/schools/${urn}/leader`, { as: 'staffA', body: { personId: 'sam-okafor' } });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).toMatchObject({ load: i + 1, summary: { leader: { id: 'sam-okafor', title: 'Secondary Mastery Specialist' } } });
    }
    const third = await h.call('POST', `/schools/${urns[2]}/leader`, { as: 'staffA', body: { personId: 'sam-okafor' } });
    expect(third.status).toBe(422);
    expect(third.body).toMatchObject({ rule: 'leaderLoad', field: 'personId', event: 'LEADER_ALLOCATED' });
    expect(third.body.reason).toContain('Secondary Mastery Specialist Sam Okafor would lead 3 departments in Secondary Teaching for Mastery Development Work Group 2020/21; one leads at most 2 (rule leaderLoad, seed 001:');
    const list = await h.call('GET', '/people?hub=great-north', { as: 'auditorA' });
    expect(list.status).toBe(200);
    expect(list.body.people[0].allocations.map((a: { urn: string }) => a.urn).sort()).toEqual(urns.slice(0, 2).sort());
    expect((await h.call('GET', '/people', { as: 'staffB' })).body.count).toBe(0);
  });

  it('the action plan: If-Match, made with the specialist, shown in the school summary; a second plan is refused (rule oneActionPlan)', async () => {
    const urn = urns[0]!;
    const now = await h.call('GET', `/schools/${urn}`, { as: 'staffA' });
    const stale = await h.call('POST', `/schools/${urn}/action-plan`, { as: 'staffA', headers: { 'if-match': String(now.body.version - 1) }, body: { aims } });
    expect(stale.status).toBe(409);
    const missing = await h.call('POST', `/schools/${urn}/action-plan`, { as: 'staffA', body: { aims: { ...aims, variation: '' } } });
    expect(missing.status).toBe(400);
    expect(missing.body.problems[0]).toMatchObject({ path: 'aims.variation' });
    const made = await h.call('POST', `/schools/${urn}/action-plan`, { as: 'staffA', headers: { 'if-match': String(now.body.version) }, body: { aims } });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    const shown = await h.call('GET', `/schools/${urn}`, { as: 'auditorA' });
    expect(shown.body.summary.actionPlan).toMatchObject({ status: 'made', madeWith: 'Sam Okafor', reviews: 0 });
    const again = await h.call('POST', `/schools/${urn}/action-plan`, { as: 'staffA', body: { aims } });
    expect(again.status).toBe(422);
    expect(again.body).toMatchObject({ rule: 'oneActionPlan', field: 'aims' });
    // A school with no specialist yet: the plan is refused naming the rule and the seed.
    const none = await h.call('POST', `/schools/${urns[2]}/action-plan`, { as: 'staffA', body: { aims } });
    expect(none.status).toBe(422);
    expect(none.body.reason).toContain('(rule actionPlanWithLeader, seed 001)');
    // Only a Readiness year ends with a Mastery Ready judgement.
    expect((await h.call('POST', `/schools/${urn}/mastery-ready`, { as: 'staffA', body: { ready: true } })).status).toBe(422);
  });
});

describe('a cohort transition checks the Mastery Ready judgement (host/cohort.ts planSchool)', () => {
  const base = {
    sessionsHeld: 6,
    sessionsRequired: 6,
    reason: null,
    groupId: null,
    urn: '122657',
    name: 'Hollybrook Primary School',
    route: 'primary',
    phase: 'readiness',
    status: 'completed',
    programmeId: 'primary-readiness-2020-21',
    programmeName: 'Primary Mastery Readiness Work Group 2020/21',
    academicYear: '2020/21',
  } as unknown as SchoolSummary;

  it('a Readiness school not judged Mastery Ready cannot move into Development, naming the rule and the seed; judged ready it can', () => {
    expect(planSchool({ ...base, masteryReadyJudgement: null }, '2021/22')).toEqual({
      reason: 'not judged Mastery Ready at the end of Readiness 2020/21: Primary Teaching for Mastery Development Work Group 2021/22 takes only schools judged Mastery Ready (rule masteryReady, seed 002)',
    });
    const no = planSchool({ ...base, masteryReadyJudgement: { ready: false, at: '2021-07-20T11:00:00.000Z', academicYear: '2020/21', note: '' } }, '2021/22');
    expect(no).toMatchObject({ reason: expect.stringContaining('(judged not ready on 2021-07-20)') });
    const yes = planSchool({ ...base, masteryReadyJudgement: { ready: true, at: '2021-07-20T11:00:00.000Z', academicYear: '2020/21', note: '' } }, '2021/22');
    expect(yes).toMatchObject({ programme: { id: 'primary-development-2021-22' } });
  });
});

/** Runs `pathway <args>` in this process; what it printed and its exit code. */
async function pathway(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  const saved = process.exitCode;
  process.exitCode = 0;
  try {
    await main(['node', 'pathway', ...args]);
    return { out, err, code: Number(process.exitCode ?? 0) };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = saved;
  }
}

describe('people and the action plan at the command line (PGlite folder, in process)', { timeout: 240_000 }, () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const form = join(root, 'examples/forms/secondary-development-2020.json');
  const URN = '108514';
  const dir = mkdtempSync(join(tmpdir(), 'pathway-people-'));
  const run = (...args: string[]) => pathway('--db', join(dir, 'data'), ...args);
  const saved = { mailbox: process.env.MAILBOX_DIR, url: process.env.DATABASE_URL, smtp: process.env.SMTP_URL };
  beforeAll(() => {
    process.env.MAILBOX_DIR = join(dir, 'mailbox');
    process.env.DATABASE_URL = '';
    process.env.SMTP_URL = '';
  });
  afterAll(() => {
    for (const [k, v] of [['MAILBOX_DIR', saved.mailbox], ['DATABASE_URL', saved.url], ['SMTP_URL', saved.smtp]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('people add / allocate --at, schools action-plan --at, schools show; a wrong role exits 2 with the rule', async () => {
    expect((await run('applications', 'submit', form)).code).toBe(0);
    expect((await run('applications', 'assess', URN, '--at', '2020-07-10')).code).toBe(0);
    expect((await run('groups', 'create', '--programme', 'secondary-development-2020-21', '--hub', 'Great North', '--lead-name', 'Ann Lead', '--lead-email', 'ann@example.org', '--id', 'gn-dev-1')).code).toBe(0);
    expect((await run('applications', 'select', URN, '--group', 'gn-dev-1', '--at', '2020-07-15')).code).toBe(0);
    const lead = await run('people', 'add', '--hub', 'Great North', '--name', 'Rita Lead', '--email', 'rita@hub.example', '--role', 'readinessLead');
    expect(lead.code, lead.err).toBe(0);
    const wrong = await run('people', 'allocate', URN, '--person', 'rita-lead', '--at', '2020-07-16');
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain('(rule leaderRole, seed 001)');
    expect((await run('people', 'add', '--hub', 'Great North', '--name', 'Sam Okafor', '--email', 'sam@hub.example', '--role', 'specialist')).code).toBe(0);
    const allocated = await run('people', 'allocate', URN, '--person', 'sam-okafor', '--at', '2020-07-16', '--json');
    expect(allocated.code, allocated.err).toBe(0);
    expect(JSON.parse(allocated.out)).toMatchObject({ load: 1, summary: { leader: { id: 'sam-okafor', since: '2020-07-16T12:00:00+01:00' } } });
    const planned = await run('schools', 'action-plan', URN, '--coherence', 'small steps', '--representation-and-structure', 'bar models', '--mathematical-thinking', 'reasoning', '--fluency', 'facts', '--variation', 'varied practice', '--at', '2020-07-17');
    expect(planned.code, planned.err).toBe(0);
    expect(planned.out).toContain('ACTION_PLAN_CREATED recorded');
    const shown = await run('schools', 'show', URN);
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toMatch(/specialist\s+Sam Okafor \(sam-okafor\), Secondary Mastery Specialist/);
    expect(shown.out).toMatch(/action plan\s+made .*2020.* with Sam Okafor; not yet reviewed at a visit/);
  });
});
