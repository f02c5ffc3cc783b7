/**
 * The outbox page (/hub/effects) in a real browser, on the demo hub
 * (simulated clock at 10 November 2026): two reminder emails the mail
 * server refused, as the host records them (one given up, one waiting for
 * its retry). The board says how many emails wait, with a link; on a
 * 375-pixel phone the outbox's table stacks and nothing runs off the side;
 * the command-line and API words are under "For developers"; "Try again
 * now" sends the failed email with a success banner, once even when the form
 * is sent twice at once, then the waiting one; an auditor sees no button and
 * is refused a post. axe and screenshots on every page.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { expectAccessible, expectFitsPhone, signIn, useBrowser, useWebService, WEB_NOW } from './helpers/browser.js';
import { enqueue, markFailed, outboxItem } from '../store/outbox.js';
import { sentMessages } from '../store/messages.js';
import { exampleData } from '../activities/mail/examples.js';

const HUB = 'east-midlands-east';
const URN = '100004';
const FAILED = 'test:100004:reminder-failed';
const RETRYING = 'test:100004:reminder-retrying';

/** A reminder to Riverside Academy's headteacher of a meeting on 24 November 2026, decided at the test's "now": in time to send. */
function reminder(key: string, n: number) {
  const data = { ...exampleData(), school: 'Riverside Academy', urn: URN, n, startsAt: '2026-11-24T13:30:00Z', endsAt: '2026-11-24T16:00:00Z', decidedAt: WEB_NOW };
  const payload = { type: 'notify', key, kind: 'reminder', urn: URN, template: 'session-reminder', to: ['headteacher'], recipients: [{ role: 'headteacher', name: 'Sarah Whitfield', email: 'head@riverside.example' }], data };
  return { key, urn: URN, type: 'notify', payload, notBefore: '2026-11-10T08:00:00Z' };
}

/** The keys of the emails in the mailbox folder (one file per email sent). */
function mailboxKeys(dir: string): string[] {
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
  } catch {
    return [];
  }
  return files.map((f) => /^X-Pathway-Key:\s*(.*)$/im.exec(readFileSync(join(dir, f), 'utf8').split(/\r?\n\r?\n/)[0]!)?.[1]?.trim() ?? '');
}

const words = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();

describe('hub web: the outbox', () => {
  const web = useWebService();
  const browser = useBrowser();
  let staff = '';
  let auditor = '';

  beforeAll(async () => {
    staff = await web.addUser({ name: 'Olu Ops', role: 'hub_staff', hubs: [HUB] });
    auditor = await web.addUser({ name: 'Ade Auditor', role: 'auditor', hubs: [HUB] });
    // Queued and refused in one transaction, so no drain carries them out in between.
    await web.service.db.tx(async (tx) => {
      await enqueue(tx, reminder(FAILED, 3));
      await enqueue(tx, reminder(RETRYING, 4));
      await markFailed(tx, FAILED, '550 5.1.1 mailbox unavailable', null);
      await markFailed(tx, RETRYING, 'connect ECONNREFUSED 127.0.0.1:25', 3_600_000);
    });
  }, 60_000);

  it('the board counts the emails waiting to retry and failed, with a link to them', async () => {
    const page = await browser.page();
    await signIn(page, web, staff, '/hub');
    expect(await words(page, '#emails-waiting')).toBe('1 email is waiting to be tried again after a failed attempt, and 1 email failed and will not be tried again by itself. See them in the outbox');
    expect(await page.locator('main').textContent()).not.toContain('Every email');
    await expectAccessible(page, 'hub board emails waiting to retry');
    await page.locator('#emails-waiting').getByRole('link', { name: 'See them in the outbox' }).click();
    expect(new URL(page.url()).pathname).toBe('/hub/effects');
  });

  it('stacks on a 375-pixel phone, and keeps the command line for developers', async () => {
    const page = await browser.page();
    await signIn(page, web, staff, '/hub/effects');
    const rows = (await page.locator('.app-effects tbody tr').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^Riverside Academy URN 100004 Email Maths Hub: Work Group meeting 3 of 6 on Tue 24 Nov, 1.30pm to 4pm Failed 550 5\.1\.1 mailbox unavailable after 1 attempt Not tried again by itself after 1 attempt\. Try again now/);
    expect(rows[1]).toMatch(/Waiting to retry connect ECONNREFUSED 127\.0\.0\.1:25 after 1 attempt Tried again by itself (within a minute|in \d+ minutes|in about an hour) Try again now/);
    // The command line and the API are for developers, folded away; hub staff read plain words.
    const details = page.locator('details', { hasText: 'For developers' });
    expect(await details.getAttribute('open')).toBeNull();
    expect(await details.locator('code').allTextContents()).toEqual(['pathway effects', 'GET /effects', 'pathway effects retry <key>', 'POST /effects/retry']);
    const prose = await page.locator('main').evaluate((m) => {
      const c = m.cloneNode(true) as HTMLElement;
      c.querySelectorAll('details').forEach((x) => x.remove());
      return c.textContent ?? '';
    });
    expect(prose).not.toMatch(/pathway effects|GET \/effects|\beffects?\b/i);
    expect(await words(page, '#effects-count')).toBe('2 items in the outbox, 1 failed. A failed email is not tried again by itself: select “Try again now” once the problem is put right.');
    await expectAccessible(page, 'outbox with try again');

    await expectFitsPhone(page);
    // Each cell under its column's name.
    const label = await page.locator('.app-effects tbody tr').first().locator('td').nth(1).evaluate((td) => getComputedStyle(td, '::before').content);
    expect(label).toBe('"What"');
    await expectAccessible(page, 'outbox phone');
  });

  it('an auditor sees no button, and a post is refused with nothing sent', async () => {
    const page = await browser.page();
    await signIn(page, web, auditor, '/hub/effects');
    expect(await page.locator('.app-effects tbody tr').count()).toBe(2);
    expect(await page.getByRole('button', { name: /Try again now/ }).count()).toBe(0);
    expect(await words(page, '#effects-count')).not.toContain('Try again now');
    const token = await page.locator('input[name="_csrf"]').first().inputValue();
    const out = await page.evaluate(async ({ token, key }) => {
      const r = await fetch('/hub/effects/retry', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: token, key }).toString() });
      return { status: r.status, text: await r.text() };
    }, { token, key: FAILED });
    expect(out.status).toBe(403);
    expect(out.text).toContain('Auditors can look at the outbox but cannot change anything');
    expect((await outboxItem(web.service.db, FAILED))?.status).toBe('failed');
    expect(mailboxKeys(web.mailbox)).not.toContain(FAILED);
  });

  it('"Try again now" sends a failed email once, even when the form is sent twice at once, with a success banner', async () => {
    const page = await browser.page();
    await signIn(page, web, staff, '/hub/effects');
    const row = page.locator('.app-effects tbody tr', { hasText: 'Failed' });
    const form = row.locator('form');
    expect(await form.getAttribute('method')).toBe('post');
    expect(await form.locator('input[name="_csrf"]').count()).toBe(1);
    // The form sent twice at once (a double click that got through, two tabs): one email.
    const token = await form.locator('input[name="_csrf"]').inputValue();
    const both = await page.evaluate(async ({ token, key }) => {
      const post = () => fetch('/hub/effects/retry', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: token, key }).toString() }).then((r) => r.status);
      return Promise.all([post(), post()]);
    }, { token, key: FAILED });
    expect(both.every((s) => s === 200), both.join()).toBe(true);
    expect(mailboxKeys(web.mailbox).filter((k) => k === FAILED)).toHaveLength(1);
    expect((await sentMessages(web.service.db, { urn: URN })).filter((m) => m.key === FAILED).map((m) => m.status)).toEqual(['sent']);
    expect((await outboxItem(web.service.db, FAILED))?.status).toBe('done');

    // The button itself, on the one still waiting to retry: the banner says it went, and the row is gone.
    await page.reload();
    expect(await page.locator('.app-effects tbody tr').count()).toBe(1);
    await page.getByRole('button', { name: /Try again now/ }).click();
    expect(new URL(page.url()).pathname).toBe('/hub/effects');
    expect(await words(page, '.govuk-notification-banner--success')).toContain('Email sent');
    expect(await words(page, '#effects-count')).toContain('The outbox is empty');
    await expectAccessible(page, 'outbox after try again');
    expect(mailboxKeys(web.mailbox).filter((k) => k === RETRYING)).toHaveLength(1);
    expect(mailboxKeys(web.mailbox).filter((k) => k === FAILED)).toHaveLength(1);

    // Once more, from a page opened before: nothing more is sent.
    const again = await page.evaluate(async ({ token, key }) => {
      const r = await fetch('/hub/effects/retry', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: token, key }).toString() });
      return { status: r.status, url: r.url, text: await r.text() };
    }, { token: await page.locator('input[name="_csrf"]').first().inputValue(), key: FAILED });
    expect(again.status).toBe(200);
    expect(again.text).toContain('had already been dealt with, so nothing more was sent');
    expect(mailboxKeys(web.mailbox).filter((k) => k === FAILED)).toHaveLength(1);

    await page.goto(`${web.address}/hub`);
    expect(await words(page, '#emails-waiting')).toBe('Every email due has been sent.');
  });
});
