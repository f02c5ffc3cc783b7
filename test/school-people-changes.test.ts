/**
 * Changes to a school's people, as an auditor and the hub read them back:
 * a lead teacher replaced by someone new (not the other lead teacher, not
 * the one leaving), named on the timeline with who left; and the
 * headteacher's contact, whose changes are kept beside the school's record
 * and told on its audit, while saving what is already there changes nothing.
 * On PGlite and Postgres, through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './helpers/db.js';
import { secondaryForm, startApi, type ApiHarness } from './api-harness.js';
import type { Principal } from '../service/context.js';
import { submitApplication } from '../service/applications.js';
import { schoolAudit } from '../service/school-audit.js';
import { replacementProblem } from '../service/schools.js';

const root: Principal = { id: 'fixture', name: 'fixture maker', role: 'admin', hubs: [] };

describe('who may replace a lead teacher', () => {
  const teachers = [{ name: 'Gareth Milburn', email: 't1@school.example' }, { name: 'Aisha Rahman', email: 'T2@school.example' }];
  it('not the other lead teacher, nor the one leaving, whatever the case of the address; anyone else', () => {
    expect(replacementProblem(teachers, 1, { email: 't2@SCHOOL.example ' })).toBe("is the address of lead teacher 2, Aisha Rahman: the school’s two lead teachers must be different people");
    expect(replacementProblem(teachers, 2, { email: 't2@school.example' })).toBe("is the address of Aisha Rahman, who is leaving: enter the new lead teacher’s address");
    expect(replacementProblem(teachers, 2, { email: 'new@school.example' })).toBeNull();
  });
});

describe.each(dbTargets())('a school’s people change ($name)', (target) => {
  let h: ApiHarness;
  const form = secondaryForm(4);
  const urn = form.school.urn as string;

  beforeAll(async () => {
    h = await startApi(target, { start: '2020-07-10T12:00:00Z' });
    await submitApplication(h.svc, root, form);
  });
  afterAll(async () => h?.close());

  it('a lead teacher cannot be replaced by the other: 400 on teacher.email, and nothing is recorded', async () => {
    const before = await h.eventCount();
    const r = await h.call('POST', `/schools/${urn}/teachers/2`, { as: 'admin', body: { teacher: { name: 'Gareth Milburn', email: form.teachers[0].email, role: 'teacher' } } });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('teacher.email');
    expect(JSON.stringify(r.body)).toContain('must be different people');
    expect(await h.eventCount()).toBe(before);
  });

  it('a replacement is told on the timeline with who left and who came', async () => {
    const r = await h.call('POST', `/schools/${urn}/teachers/2`, { as: 'admin', body: { teacher: { name: 'Priya Shah', email: 'p.shah@school.example', role: 'teacher' } } });
    expect(r.status).toBe(200);
    const audit = await schoolAudit(h.svc, root, urn);
    expect(audit.entries.map((e) => e.what)).toContain(`Lead teacher 2, ${form.teachers[1].name}, replaced by Priya Shah`);
  });

  it('a headteacher contact change is on the audit, from what to what; the same contact again is no change', async () => {
    const head = form.school.headteacher as { name: string; email: string };
    const first = await h.call('PUT', `/schools/${urn}/headteacher-contact`, { as: 'admin', body: { email: 'new.head@school.example' } });
    expect(first.status).toBe(200);
    expect(first.body.changed).toBe(true);
    const again = await h.call('PUT', `/schools/${urn}/headteacher-contact`, { as: 'admin', body: { email: 'NEW.head@school.example' } });
    expect(again.status).toBe(200);
    expect(again.body.changed).toBe(false);
    const changes = (await schoolAudit(h.svc, root, urn)).entries.filter((e) => e.kind === 'contact');
    expect(changes).toHaveLength(1);
    expect(changes[0]!.what).toBe('Headteacher’s email address changed');
    expect(changes[0]!.detail).toBe(`From ${head.name}, ${head.email} to ${head.name}, new.head@school.example. Kept beside the school’s record, not in its event log`);
  });
});
