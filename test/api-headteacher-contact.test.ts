/**
 * PUT /schools/{urn}/headteacher-contact: a school whose headteacher address
 * cannot receive mail has its "place offered" email held; a bad address is
 * refused naming the field and writes nothing; auditors and another hub's
 * staff are refused; hub staff correct it and the held email reaches the new
 * address exactly once over SMTP, even when the correction is repeated.
 * PGlite and Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './helpers/db.js';
import { HUB_A, secondaryForm, startApi, type ApiHarness } from './api-harness.js';
import type { Principal } from '../service/context.js';
import { assessEligibility, selectApplication, submitApplication } from '../service/applications.js';
import { createGroup } from '../service/groups.js';
import { mailProblems, schoolContact } from '../store/messages.js';

const root: Principal = { id: 'fixture', name: 'fixture maker', role: 'admin', hubs: [] };

describe.each(dbTargets())('correcting a headteacher address through the API ($name)', (target) => {
  let h: ApiHarness;
  let urn = '';
  const heldKey = () => `${urn}:secondary-development-2020-21:selected`;
  /** The acknowledgement of the application: the headteacher's alone, so held whole. */
  const ackKey = () => `${urn}:secondary-development-2020-21:application`;

  beforeAll(async () => {
    h = await startApi(target, { start: '2020-07-10T12:00:00Z', smtp: true });
    const form = secondaryForm(3);
    // Well formed, so the application is accepted, but RFC 2606 says nothing sent to .invalid is delivered.
    form.school.headteacher.email = 'head@tynebridge.invalid';
    await submitApplication(h.svc, root, form);
    urn = form.school.urn;
    await assessEligibility(h.svc, root, urn, { eligible: true });
    const g = await createGroup(h.svc, root, { programmeId: 'secondary-development-2020-21', hub: HUB_A, lead: { name: 'Lead', email: 'lead@a.example' } });
    await selectApplication(h.svc, root, urn, { groupId: g.id });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it('holds the headteacher’s copy of the email while the teachers get theirs', async () => {
    const problems = await mailProblems(h.svc.db, { urns: [urn] });
    expect(problems.map((p) => [p.key, p.template])).toEqual([
      [ackKey(), 'application-received'],
      [heldKey(), 'selected'],
    ]);
    const sent = h.smtp!.messages.filter((m) => m.key === heldKey());
    expect(sent).toHaveLength(1);
    expect(sent[0]!.to).not.toContain('head@tynebridge.invalid');
  });

  it('refuses a bad address with 400 naming the field, and writes nothing', async () => {
    const bad = await h.call('PUT', `/schools/${urn}/headteacher-contact`, { as: 'staffA', body: { email: 'not an address' } });
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toEqual([expect.objectContaining({ path: 'email', message: 'must be an email address', value: 'not an address', in: 'body' })]);
    expect(bad.body.error).toContain('email must be an email address (got "not an address")');

    const placeholder = await h.call('PUT', `/schools/${urn}/headteacher-contact`, { as: 'staffA', body: { email: 'head@other.invalid' } });
    expect(placeholder.status).toBe(400);
    expect(placeholder.body.problems).toEqual([expect.objectContaining({ path: 'email', message: expect.stringMatching(/can receive email/), value: 'head@other.invalid' })]);

    const missing = await h.call('PUT', `/schools/${urn}/headteacher-contact`, { as: 'staffA', body: { name: 'Jo Head' } });
    expect(missing.status).toBe(400);
    expect(missing.body.problems).toEqual([expect.objectContaining({ path: 'email', message: 'is required' })]);

    expect(await schoolContact(h.svc.db, urn)).toBeNull();
    expect(await mailProblems(h.svc.db, { urns: [urn] })).toHaveLength(2);
  });

  it('refuses auditors with 403, and another hub’s staff and an unknown school with 404 (another hub’s school is answered as a URN that does not exist)', async () => {
    const body = { email: 'jo.head@tynebridge.example' };
    expect((await h.call('PUT', `/schools/${urn}/headteacher-contact`, { as: 'auditorA', body })).status).toBe(403);
    expect((await h.call('PUT', `/schools/${urn}/headteacher-contact`, { as: 'staffB', body })).status).toBe(404);
    expect((await h.call('PUT', `/schools/${urn}/headteacher-contact`, { as: 'none', body })).status).toBe(401);
    expect((await h.call('PUT', '/schools/999999/headteacher-contact', { as: 'admin', body })).status).toBe(404);
    expect(await schoolContact(h.svc.db, urn)).toBeNull();
    expect(h.smtp!.messages.filter((m) => m.to.includes('jo.head@tynebridge.example'))).toEqual([]);
  });

  it('hub staff correct it: the held email goes to the new address once, and a repeat sends nothing', async () => {
    h.clock.advanceTo('2020-07-11T10:00:00Z');
    const r = await h.call('PUT', `/schools/${urn}/headteacher-contact`, { as: 'staffA', body: { email: 'jo.head@tynebridge.example' } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    // The name stays the one on the application when none is given.
    expect(r.body).toMatchObject({ urn, name: 'Martin Lowes', email: 'jo.head@tynebridge.example', requeued: 2 });
    expect(r.body.resent.map((x: { key: string; template: string; outcome: string }) => [x.key, x.template, x.outcome]).sort()).toEqual([
      [ackKey(), 'application-received', 'sent'],
      [heldKey(), 'selected', 'sent'],
    ]);
    const resent = () => h.smtp!.messages.filter((m) => m.to.includes('jo.head@tynebridge.example'));
    expect(resent().map((m) => [m.key, m.to]).sort()).toEqual([
      [`${ackKey()}:to-corrected-address`, ['jo.head@tynebridge.example']],
      [`${heldKey()}:to-corrected-address`, ['jo.head@tynebridge.example']],
    ]);
    expect(resent().find((m) => m.key.startsWith(heldKey()))!.subject).toMatch(/place/i);
    expect(await mailProblems(h.svc.db, { urns: [urn] })).toEqual([]);
    expect(await schoolContact(h.svc.db, urn)).toEqual({ name: 'Martin Lowes', email: 'jo.head@tynebridge.example' });

    const again = await h.call('PUT', `/schools/${urn}/headteacher-contact`, { as: 'staffA', body: { name: 'Jo Head', email: 'jo.head@tynebridge.example' } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ name: 'Jo Head', requeued: 0, resent: [] });
    await h.engine.drainOutbox();
    expect(resent()).toHaveLength(2);
  });
});
