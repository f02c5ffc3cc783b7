/**
 * Outstanding effects listed (issue 12): GET /effects and the service behind
 * `pathway effects` show what the outbox has not carried out, with its error
 * and next try, scoped like every other read: hub staff and auditors see
 * their hubs' schools, admins all; another hub's school is refused as
 * reading it is. PGlite and Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markFailed } from '../store/outbox.js';
import { pendingEffectsNote } from '../service/effects.js';
import { dbTargets } from './helpers/db.js';
import { HUB_A, HUB_B, secondaryForm, startApi, type ApiHarness } from './api-harness.js';

describe.each(dbTargets())('GET /effects on $name', (target) => {
  let h: ApiHarness;
  const urnA = secondaryForm(31).school.urn as string;
  const urnB = secondaryForm(32).school.urn as string;

  beforeAll(async () => {
    h = await startApi(target, { start: '2020-07-06T12:00:00Z' });
    expect((await h.call('POST', '/applications', { as: 'admin', body: secondaryForm(31) })).status).toBe(201);
    expect((await h.call('POST', '/applications', { as: 'admin', body: secondaryForm(32, 'Cambridge Maths Hub') })).status).toBe(201);
    // Effects of both schools, as a failed write left them: one waiting to retry, one given up on.
    await h.svc.db.query(
      `INSERT INTO outbox (key, urn, type, payload, next_attempt_at) VALUES
        ('t:a:grant', $1, 'funding.release', '{}'::jsonb, '2020-12-03T15:00:00Z'),
        ('t:b:mail', $2, 'notify', '{}'::jsonb, '2020-12-04T15:00:00Z')`,
      [urnA, urnB],
    );
    await markFailed(h.svc.db, 't:a:grant', 'ledger unreachable: connection refused', 3_600_000);
    await markFailed(h.svc.db, 't:b:mail', 'SMTP 550 no such user', null);
  });
  afterAll(async () => h?.close());

  const ours = (body: any) => (body.effects as { key: string }[]).filter((e) => e.key.startsWith('t:'));

  it('an admin sees every school\'s outstanding effects with the error and the next try', async () => {
    const r = await h.call('GET', '/effects', { as: 'admin' });
    expect(r.status).toBe(200);
    const mine = ours(r.body) as any[];
    expect(mine.map((e) => [e.key, e.urn, e.status, e.state, e.attempts])).toEqual([
      ['t:a:grant', urnA, 'pending', 'retrying', 1],
      ['t:b:mail', urnB, 'failed', 'failed', 1],
    ]);
    expect(mine[0].lastError).toBe('ledger unreachable: connection refused');
    expect(Date.parse(mine[0].retryAt) - Date.now()).toBeGreaterThan(3_000_000);
    expect(mine[0].dueAt).toBe('2020-12-03T15:00:00.000Z');
    expect(mine[0].summary).toMatch(/^next try at .* \(real time\); last error \(attempt 1\): ledger unreachable/);
    expect(ours((await h.call('GET', '/effects?status=failed', { as: 'admin' })).body).map((e) => e.key)).toEqual(['t:b:mail']);
    expect(ours((await h.call('GET', '/effects?status=pending', { as: 'admin' })).body).map((e) => e.key)).toEqual(['t:a:grant']);
  });

  it('hub staff and auditors see only their hubs\' schools', async () => {
    for (const who of ['staffA', 'auditorA'] as const) expect(ours((await h.call('GET', '/effects', { as: who })).body).map((e) => e.key)).toEqual(['t:a:grant']);
    for (const who of ['staffB', 'auditorB'] as const) expect(ours((await h.call('GET', '/effects', { as: who })).body).map((e) => e.key)).toEqual(['t:b:mail']);
    expect(ours((await h.call('GET', `/effects?hub=${HUB_A}`, { as: 'staffA' })).body).map((e) => e.key)).toEqual(['t:a:grant']);
    // An admin asking for one hub gets that hub's schools' effects alone.
    expect(ours((await h.call('GET', `/effects?hub=${HUB_B}`, { as: 'admin' })).body).map((e) => e.key)).toEqual(['t:b:mail']);
    expect(ours((await h.call('GET', `/effects?hub=${HUB_A}&status=pending`, { as: 'admin' })).body).map((e) => e.key)).toEqual(['t:a:grant']);
    const other = await h.call('GET', `/effects?hub=${HUB_B}`, { as: 'staffA' });
    expect(other.status).toBeGreaterThanOrEqual(400);
    expect(other.status).toBeLessThan(500);
    const school = await h.call('GET', `/effects?urn=${urnB}`, { as: 'staffA' });
    const reading = await h.call('GET', `/schools/${urnB}`, { as: 'staffA' });
    expect(school.status).toBe(reading.status);
    expect(school.status).toBeGreaterThanOrEqual(400);
  });

  it('refuses a bad filter with a 400 naming it, and asks for a token', async () => {
    const r = await h.call('GET', '/effects?status=lost', { as: 'admin' });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('status');
    expect((await h.call('GET', '/effects?urn=12', { as: 'admin' })).status).toBe(400);
    expect((await h.call('GET', '/effects', { as: 'none' })).status).toBe(401);
  });

  it('the operation is documented with its id and response type', async () => {
    const doc = (await h.call('GET', '/docs/json')).body as { paths: Record<string, Record<string, any>> };
    const op = doc.paths['/effects']!.get;
    expect(op.operationId).toBe('listEffects');
    expect(Object.keys(op.responses['200'].content['application/json'].schema.properties)).toEqual(['count', 'effects']);
  });

  it('POST /effects/retry: hub staff try their hubs\' emails again, not payments or other hubs\' emails; auditors never; unknown and not-failed refused', async () => {
    const retry = (as: 'admin' | 'staffA' | 'staffB' | 'auditorB', key: string) => h.call('POST', '/effects/retry', { as, body: { key } });
    expect((await retry('auditorB', 't:b:mail')).status).toBe(403);
    // Another hub's email is answered as an unknown one; a payment is an admin's to try again.
    const other = await retry('staffA', 't:b:mail');
    expect(other.status).toBe(404);
    expect(other.body.error).toBe('no outbox item t:b:mail');
    const unknown = await retry('staffA', 'no-such-key');
    expect([unknown.status, unknown.body.error]).toEqual([404, 'no outbox item no-such-key']);
    expect((await retry('staffA', 't:a:grant')).status).toBe(403);
    expect((await h.call('GET', '/effects?urn=' + urnA, { as: 'admin' })).body).toMatchObject({ effects: [expect.objectContaining({ key: 't:a:grant', attempts: 1 })] });
    // Its own hub's email, due in December (school time): queued again, for the clock to reach it.
    const queued = await retry('staffB', 't:b:mail');
    expect(queued.status, JSON.stringify(queued.body)).toBe(200);
    expect(queued.body).toMatchObject({ key: 't:b:mail', urn: urnB, type: 'notify', outcome: 'queued' });
    let listed = (await h.call('GET', `/effects?urn=${urnB}`, { as: 'admin' })).body as { effects: { key: string; status: string; state: string; attempts: number }[] };
    expect(listed.effects.find((e) => e.key === 't:b:mail')).toMatchObject({ status: 'pending', state: 'due' });
    // One due already, failed for good: tried now. Its stored payload is empty, so it fails again, and says why.
    await h.svc.db.query(`INSERT INTO outbox (key, urn, type, payload, next_attempt_at) VALUES ('t:b:now', $1, 'notify', '{}'::jsonb, '2020-07-01T09:00:00Z')`, [urnB]);
    await markFailed(h.svc.db, 't:b:now', 'SMTP 550 no such user', null);
    const r = await retry('staffB', 't:b:now');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ key: 't:b:now', outcome: 'failed' });
    expect((r.body as { error: string }).error).not.toBe('SMTP 550 no such user');
    listed = (await h.call('GET', `/effects?urn=${urnB}`, { as: 'admin' })).body;
    expect(listed.effects.find((e) => e.key === 't:b:now')).toMatchObject({ attempts: 2 });
    // One that has not failed is carried out when it is due: refused, nothing changed.
    await h.svc.db.query(`INSERT INTO outbox (key, urn, type, payload, next_attempt_at) VALUES ('t:b:later', $1, 'notify', '{}'::jsonb, '2030-01-01T00:00:00Z')`, [urnB]);
    const later = await retry('admin', 't:b:later');
    expect(later.status).toBe(422);
    expect(JSON.stringify(later.body)).toContain('is not waiting to be tried again');
    expect((await h.call('POST', '/effects/retry', { as: 'admin', body: {} })).status).toBe(400);
    const doc = (await h.call('GET', '/docs/json')).body as { paths: Record<string, Record<string, any>> };
    expect(doc.paths['/effects/retry']!.post.operationId).toBe('retryEffect');
  });

  it('the status line names what is pending, and says a grant is not in the ledger until paid', async () => {
    const { listEffects } = await import('../service/effects.js');
    const note = pendingEffectsNote(await listEffects(h.svc, h.principals.admin, { urn: urnA }));
    expect(note).toMatch(/^effects pending: 1 not carried out yet \(funding\.release retrying\); a grant shown as paid is not in the ledger until its payment is carried out/);
    expect(pendingEffectsNote([])).toBeNull();
  });
});
