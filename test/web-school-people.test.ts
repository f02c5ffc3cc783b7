/**
 * The school page's "Action plan and leader" section, read without a browser
 * (plain HTTP with a signed-in session, on the demo's secondary Development
 * school): a form sent empty comes back 400 with the GOV.UK error summary
 * linking to the field; allocating a Secondary Mastery Specialist and
 * recording the action plan on the 5 Big Ideas go through (303) and the
 * page then shows them; a Readiness Lead for a Development school is
 * refused in plain words as the form's error (422), the choice kept and
 * nothing saved.
 */
import { describe, expect, it } from 'vitest';
import { useWebService } from './helpers/browser.js';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&[#\w]+;/g, (e) => ({ '&#39;': "'", '&rsquo;': '’', '&amp;': '&', '&quot;': '"' })[e] ?? e).replace(/\s+/g, ' ');

describe('the school page: action plan and leader', () => {
  const web = useWebService();

  it('error summary on a bad form; allocation and the plan shown; a rule refusal in words, as the form’s error', async () => {
    const jar = new Map<string, string>();
    const go = async (path: string, init: RequestInit = {}) => {
      const r = await fetch(`${web.address}${path}`, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
      for (const c of r.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const i = pair!.indexOf('=');
        jar.set(pair!.slice(0, i), pair!.slice(i + 1));
      }
      return r;
    };
    const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const signInPage = await (await go('/sign-in')).text();
    expect((await go('/sign-in', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrfOf(signInPage), token: web.adminToken, return: '/hub' }).toString() })).status).toBe(303);

    // The demo's secondary school in its Development year, and specialists of its hub.
    const urn = '100004';
    const school = await web.api<{ version: number; summary: { hub: string; phase: string } }>('GET', `/schools/${urn}`);
    expect(school.body.summary.phase).toBe('development');
    expect((await web.api('POST', '/people', { hub: school.body.summary.hub, name: 'Sam Okafor', email: 'sam@hub.example', role: 'specialist' })).status).toBe(201);
    const post = async (action: string, fields: Record<string, string>) => {
      const page = await (await go(`/hub/schools/${urn}`)).text();
      const version = /name="version" value="(\d+)"/.exec(page)![1]!;
      return go(`/hub/schools/${urn}/${action}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrfOf(page), version, ...fields }).toString() });
    };

    const page = text(await (await go(`/hub/schools/${urn}`)).text());
    expect(page).toContain('Action plan and leader');
    expect(page).toContain('Secondary Mastery Specialist None allocated yet');

    const empty = await post('leader', { personId: '' });
    expect(empty.status).toBe(400);
    const emptyHtml = await empty.text();
    expect(emptyHtml).toContain('govuk-error-summary');
    expect(emptyHtml).toContain('href="#personId"');
    expect(text(emptyHtml)).toContain('Select who leads the school');

    expect((await post('leader', { personId: 'sam-okafor' })).status).toBe(303);
    const missingAim = await post('action-plan', { 'aim-coherence': 'small steps', 'aim-representationAndStructure': 'bar models', 'aim-mathematicalThinking': 'reasoning', 'aim-fluency': 'facts', 'aim-variation': '' });
    expect(missingAim.status).toBe(400);
    const missingHtml = await missingAim.text();
    expect(missingHtml).toContain('govuk-error-summary');
    expect(missingHtml).toContain('href="#aim-variation"');
    expect((await post('action-plan', { 'aim-coherence': 'small steps', 'aim-representationAndStructure': 'bar models', 'aim-mathematicalThinking': 'reasoning', 'aim-fluency': 'facts', 'aim-variation': 'varied practice' })).status).toBe(303);

    const after = text(await (await go(`/hub/schools/${urn}`)).text());
    expect(after).toMatch(/Secondary Mastery Specialist Sam Okafor \(since/);
    expect(after).toMatch(/Action plan Made .* with Sam Okafor; not yet reviewed at a visit/);
    expect(after).toContain('Variation varied practice Not yet reviewed');
    const summary = await web.api<{ summary: { actionPlan: { status: string } } }>('GET', `/schools/${urn}`);
    expect(summary.body.summary.actionPlan.status).toBe('made');

    // A rule's refusal from the page: Readiness Lead for a Development school (rule leaderRole), as the form's error in words, the choice kept.
    expect((await web.api('POST', '/people', { hub: school.body.summary.hub, name: 'Rae Lead', email: 'rae@hub.example', role: 'readinessLead' })).status).toBe(201);
    const refused = await post('leader', { personId: 'rae-lead' });
    expect(refused.status).toBe(422);
    const refusedHtml = await refused.text();
    expect(refusedHtml).toContain('govuk-error-summary');
    expect(refusedHtml).toContain('href="#personId"');
    expect(text(refusedHtml)).toMatch(/Development Work Group 2026\/27 is led by a Secondary Mastery Specialist, and Rae Lead is a Mastery Readiness Lead\./);
    expect(text(refusedHtml)).not.toMatch(/\(rule [a-zA-Z]+|seed 00/);
  }, 180_000);
});
