/**
 * The pages obey a stopped school too, read without a browser (plain HTTP
 * with a signed-in session): the audit home names a school whose history
 * was altered, the school's audit page says so and that nothing more is
 * recorded, and a write from a page is refused with a page saying why (423);
 * after an admin's sign-off the audit page names who signed it off. The
 * service runs as `npm start` does, on PGlite.
 */
import { describe, expect, it } from 'vitest';
import { useWebService } from './helpers/browser.js';
import { checkStream } from '../store/tamper.js';

/** A signed-in session by the sign-in form (CSRF token and cookie), as a browser would make it. */
async function signIn(address: string, token: string): Promise<(path: string, init?: RequestInit) => Promise<Response>> {
  const jar = new Map<string, string>();
  const keep = (r: Response) => {
    for (const c of r.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const go = async (path: string, init: RequestInit = {}) => {
    const r = await fetch(`${address}${path}`, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: cookie() } });
    keep(r);
    return r;
  };
  const form = await (await go('/sign-in')).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form)![1]!;
  const r = await go('/sign-in', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, token, return: '/audit' }).toString() });
  expect(r.status).toBe(303);
  return go;
}

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&[#\w]+;/g, (e) => ({ '&#39;': "'", '&rsquo;': '’', '&amp;': '&', '&quot;': '"' })[e] ?? e).replace(/\s+/g, ' ');

describe('the pages of a stopped school', () => {
  const web = useWebService();

  it('name the altered history, refuse a write with the reason (423), and show the sign-off', async () => {
    const db = web.service.db;
    // A demo school of the hub, changed behind the log's back.
    const { urn, hub } = (await db.query<{ urn: string; hub: string }>("SELECT urn, hub FROM streams WHERE phase <> 'none' ORDER BY urn LIMIT 1")).rows[0]!;
    const version = (await db.query<{ v: number }>('SELECT max(version) AS v FROM events WHERE urn = $1', [urn])).rows[0]!.v;
    await db.tx(async (tx) => {
      await tx.query('ALTER TABLE events DISABLE TRIGGER events_append_only');
      await tx.query("UPDATE events SET actor = 'someone else' WHERE urn = $1 AND version = $2", [urn, version]);
      await tx.query('ALTER TABLE events ENABLE TRIGGER events_append_only');
    });
    expect((await checkStream(db, urn)).tampered?.atVersion).toBe(version);

    const go = await signIn(web.address, web.adminToken);
    expect((await web.api<{ tampered: unknown }>('GET', `/schools/${urn}`)).body.tampered).toMatchObject({ atVersion: version });
    const home = text(await (await go(`/audit?hub=${encodeURIComponent(hub.toLowerCase().replace(/\s+/g, '-'))}`)).text());
    expect(home).toMatch(/1 school of this hub is stopped: its history was altered/);
    expect(home).toContain(`History altered at event ${version}: stopped`);

    const page = text(await (await go(`/audit/schools/${urn}`)).text());
    expect(page).toContain('Warning: history altered');
    expect(page).toContain(`The history has been altered: event ${version} does not match what was recorded`);
    expect(page).toContain('Nothing more is recorded for this school until an admin signs off a correction.');

    // A write from a page: the school page's gap task form posts through the same service.
    const schoolPage = await (await go(`/hub/schools/${urn}`)).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(schoolPage)?.[1];
    expect(csrf).toBeTruthy();
    const written = await go(`/hub/schools/${urn}/gap-task`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf!, version: String(version), task: 'bar models' }).toString() });
    const refused = text(await written.text());
    expect(written.status, refused.slice(0, 300)).toBe(423);
    expect(refused).toMatch(new RegExp(`School ${urn} is stopped: its history was tampered with at version ${version}`));
    expect(refused).toContain('Nothing was saved.');

    const signed = await web.api('POST', `/schools/${urn}/tamper-sign-off`, { reason: 'the actor was corrected by hand; see the hub log' });
    expect(signed.status).toBe(200);
    const after = text(await (await go(`/audit/schools/${urn}`)).text());
    expect(after).toMatch(/The history was altered, and an admin signed it off: event \d+ does not match what was recorded/);
    expect(after).toContain('the actor was corrected by hand; see the hub log');
  }, 120_000);
});
