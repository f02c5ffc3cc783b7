/**
 * The audit's checks in a real browser, on the demo hub: the funding audit
 * (clean, stated plainly; then a payment the rules do not allow, named with
 * its rule and evidence; the year filter, its error summary, the CSV and the
 * printout), the integrity check (run with its progress, the result, what
 * the signed checkpoint proves, the checkpoint downloaded; then an event
 * changed behind the log's back, named by school and event; hub staff
 * refused), and the effects page for hub operations (a failed and a retrying
 * email with their errors, linked from the board). axe on every page.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { downloadText, expectAccessible, screenshot, signIn, useBrowser, useWebService } from './helpers/browser.js';
import { enqueue, markFailed } from '../store/outbox.js';
import { exampleData } from '../activities/mail/examples.js';
import { longDate } from '../domain/words/dates.js';

// The server's checkpoints and the integrity page use one signing key, in a folder of this file's own.
const keyDir = mkdtempSync(join(tmpdir(), 'pathway-key-'));
process.env.PATHWAY_SIGNING_KEY_FILE = join(keyDir, 'signing-key.pem');
afterAll(() => rmSync(keyDir, { recursive: true, force: true }));

const HUB = 'east-midlands-east';
const words = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();

describe('audit checks and the outbox page', () => {
  const web = useWebService();
  const browser = useBrowser();

  it('funding audit: clean stated plainly, then a payment against the rules named with its rule and evidence; year filter, CSV, print', async () => {
    const auditor = await web.addUser({ name: 'Fay Funding', role: 'auditor', hubs: [HUB] });
    const page = await browser.page();
    await signIn(page, web, auditor, '/audit');
    await page.getByRole('link', { name: 'Funding audit' }).click();
    expect(new URL(page.url()).pathname).toBe('/audit/funding-audit');
    const ledger = (await web.api<{ rows: unknown[] }>('GET', '/funding')).body.rows.length;
    expect(ledger).toBeGreaterThan(0);
    expect(await words(page, '#result')).toContain('No findings Every payment followed the rules, and every school entitled to a grant was paid (East Midlands East Maths Hub, every year).');
    expect(await words(page, '#result')).toContain(`${ledger} payment${ledger === 1 ? '' : 's'} checked against the rules`);
    await expectAccessible(page, 'funding audit clean');

    // A payment to a school that has only applied (Readiness pays no grant; nothing signed, no meeting, no event released it).
    await web.service.db.query(
      `INSERT INTO funding_ledger (key, urn, programme_id, academic_year, amount_pence, reason, paid_at)
       VALUES ('manual-100008', '100008', 'primary-readiness-2026-27', '2026/27', 100000, 'typed in by hand', '2026-10-05T11:00:00Z')`,
    );
    await page.reload();
    expect(await words(page, '#result')).toContain('4 findings at 1 school (East Midlands East Maths Hub, every year).');
    const section = page.locator('section', { has: page.getByRole('heading', { name: /Castle Primary School/ }) });
    const headings = await section.locator('h3').allTextContents();
    expect(headings.map((h) => h.split(':')[0])).toEqual(['Amount for the route and phase', 'Commitment signed first', 'First meeting held first', 'Released by the history']);
    expect(headings.every((h) => h.endsWith(': Primary Mastery Readiness Work Group 2026/27'))).toBe(true);
    const amount = (await section.locator('.app-finding').first().textContent())!.replace(/\s+/g, ' ');
    expect(amount).toContain('Paid £1,000 although the programme pays no grant');
    expect(amount).toContain('manual-100008');
    expect(amount).not.toContain('rules carried');
    const commitment = (await section.locator('.app-finding').nth(1).textContent())!.replace(/\s+/g, ' ');
    expect(commitment).toContain('Paid on 5 October 2026 but the history has no signed commitment for Primary Mastery Readiness Work Group 2026/27');
    // The evidence: the event the school entered the programme with, linked to the school on that day.
    const evidence = section.locator('.app-finding').first().getByRole('link', { name: /^Event \d+$/ });
    expect(await evidence.getAttribute('href')).toMatch(/^\/audit\/schools\/100008\?at=2026-06-01$/);
    await expectAccessible(page, 'funding audit with findings');

    // The year filter: bookmarkable; a year that is not one is an error named in the summary.
    await page.getByLabel('Academic year').selectOption('2025/26');
    await page.getByRole('button', { name: 'Show the audit' }).click();
    expect(new URL(page.url()).search).toBe('?year=2025%2F26');
    expect(await words(page, '#result')).toContain('No findings');
    await page.goto(`${web.address}/audit/funding-audit?year=1999-2000`);
    expect(await words(page, '.govuk-error-summary')).toContain('Choose an academic year like 2026/27 (you asked for “1999-2000”)');
    expect(await page.locator('.govuk-error-summary a').getAttribute('href')).toBe('#year');
    await expectAccessible(page, 'funding audit bad year');

    // The CSV holds the findings, one a row.
    await page.goto(`${web.address}/audit/funding-audit`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /findings as a spreadsheet \(CSV\)/ }).click()]);
    expect(download.suggestedFilename()).toBe('funding-audit-east-midlands-east-2026-11-10.csv');
    const csv = (await downloadText(download)).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(csv[0]).toBe('URN,School,Maths Hub,Programme,Academic year,Rule,Rule in words,Problem,Payment reference,Other payments,Evidence (event versions)');
    expect(csv.slice(1)).toHaveLength(4);
    expect(csv.slice(1).every((l) => l.startsWith('100008,Castle Primary School,'))).toBe(true);

    // Printed: no header, navigation or filters; the result and findings stay.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.govuk-service-navigation').isVisible()).toBe(false);
    expect(await page.locator('form.app-filter').isVisible()).toBe(false);
    expect(await page.locator('#result').isVisible()).toBe(true);
    await screenshot(page, 'funding audit printed');
  }, 240_000);

  it('integrity check: progress then the result, what the checkpoint proves, the checkpoint to keep; a changed event named; hub staff refused', async () => {
    const auditor = await web.addUser({ name: 'Ivo Integrity', role: 'auditor', hubs: [HUB] });
    const page = await browser.page();
    await signIn(page, web, auditor, '/audit');
    await page.getByRole('link', { name: 'Integrity check' }).click();
    // The check runs in the background; the page shows its progress and then the result.
    await page.locator('#result').waitFor({ timeout: 60_000 });
    expect(new URL(page.url()).searchParams.get('check')).toMatch(/^[0-9a-f-]{36}$/);
    const schools = (await web.api<{ schools: unknown[] }>('GET', '/schools')).body.schools.length;
    expect(await words(page, '#result')).toMatch(/^No findings Every school’s history and the funding ledger are as they were recorded, and the log still holds everything checkpoint \d+ signed\./);
    expect(await words(page, '#checked')).toContain(`${schools} school histories: each event still matches its hash`);
    const events = (await web.service.db.query<{ n: string }>('SELECT count(*)::text AS n FROM events')).rows[0]!.n;
    expect(await words(page, '#checked')).toContain(`${Number(events).toLocaleString('en-GB')} events run through the rules again, school by school: each school’s current state`);
    const main = (await page.locator('main').textContent())!.replace(/\s+/g, ' ');
    expect(main).toMatch(/Checkpoint \d+, signed \d+ \w+ 20\d\d/);
    // The check's time and the checkpoint's are both real time, though the service's school clock is set to another day.
    const result = await words(page, '#result');
    expect(result).toMatch(/Checked \w+day \d+ \w+ 20\d\d, /);
    // Today in London, or yesterday when the check ran just before midnight.
    const days = [longDate(new Date().toISOString()), longDate(new Date(Date.now() - 60_000).toISOString())];
    expect(days.some((d) => result.includes(` ${d}, `) && main.includes(`signed ${d}`)), `${result} | ${main}`).toBe(true);
    expect(main).toContain('Today’s log extends it: nothing recorded up to then has been changed, removed or re-chained since');
    expect(main).toContain('Its signature is valid');
    await expectAccessible(page, 'integrity check clean');

    // The latest checkpoint, to keep outside the service.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /^Download checkpoint \d+ to keep it safe/ }).click()]);
    expect(download.suggestedFilename()).toMatch(/^checkpoint-\d+-\d{4}-\d{2}-\d{2}\.json$/);
    const kept = JSON.parse(await downloadText(download)) as { format: string; checkpoint: { id: number; heads: { streams: { urn: string }[] } }; publicKey: string };
    expect(kept.format).toBe('pathway-checkpoint/1');
    expect(kept.publicKey).toContain('BEGIN PUBLIC KEY');
    expect(kept.checkpoint.heads.streams.map((s) => s.urn)).toContain('100004');

    // An event changed directly in the database, as an intruder would: named by school and event.
    await web.service.db.tx(async (tx) => {
      await tx.query('ALTER TABLE events DISABLE TRIGGER events_append_only');
      await tx.query("UPDATE events SET payload = jsonb_set(payload, '{reason}', '\"someone rewrote this\"') WHERE urn = '100010' AND type = 'DECLINED'");
      await tx.query('ALTER TABLE events ENABLE TRIGGER events_append_only');
    });
    const changed = (await web.api<{ entries: { version: number; type: string }[] }>('GET', '/schools/100010/history')).body.entries.find((e) => e.type === 'DECLINED')!;
    await page.getByRole('link', { name: 'Check again' }).click();
    await page.locator('#result').waitFor({ timeout: 60_000 });
    // Two findings of the one change: its hash no longer matches, and the state kept from the event as it was is
    // not what the changed event gives (the reason the school was told).
    expect(await words(page, '#result')).toContain('2 findings: the log is not what was recorded.');
    const row = (await page.locator('#findings tbody tr').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    expect(row).toHaveLength(2);
    expect(row[0]).toContain('School history changed');
    expect(row[0]).toContain('Meadow Park School');
    expect(row[0]).toContain(`Event ${changed.version}`);
    expect(row[1]).toContain('State does not follow from the history');
    expect(row[1]).toContain('Meadow Park School');
    expect(row[1]).toMatch(/The current state kept at version \d+ is not what the events give: both read .*, but they differ in context\.lastReason$/);
    await expectAccessible(page, 'integrity check finding');

    const staff = await web.addUser({ name: 'Hal Hubstaff', role: 'hub_staff', hubs: [HUB] });
    const other = await browser.page();
    await signIn(other, web, staff, '/audit');
    expect(await other.getByRole('link', { name: 'Integrity check' }).count()).toBe(0);
    const r = await other.goto(`${web.address}/audit/integrity`);
    expect(r?.status()).toBe(403);
    expect(await words(other, 'h1')).toBe('Only auditors and administrators run the integrity check');
    expect((await other.goto(`${web.address}/audit/integrity/checkpoint`))?.status()).toBe(403);
  }, 240_000);

  it('the outbox: a failed and a retrying email with their errors and next try, linked from the board', async () => {
    const staff = await web.addUser({ name: 'Olu Ops', role: 'hub_staff', hubs: [HUB] });
    const page = await browser.page();
    await signIn(page, web, staff, '/hub');
    expect(await words(page, '#effects + p')).toContain('Nothing is waiting');
    await page.getByRole('link', { name: 'Outbox', exact: true }).click();
    expect(await page.locator('h1').textContent()).toBe('Outbox');
    expect(new URL(page.url()).pathname).toBe('/hub/effects');
    expect(await words(page, '#effects-count')).toContain('The outbox is empty');
    await expectAccessible(page, 'effects none');

    // Two emails the mail server refused, as the host records them: one given up, one waiting for its retry.
    const effect = (key: string) => ({ key, urn: '100004', type: 'notify', payload: { type: 'notify', key, urn: '100004', template: 'session-reminder', to: [], data: exampleData() }, notBefore: '2027-01-01T09:00:00Z' });
    await enqueue(web.service.db, effect('test:failed'));
    await enqueue(web.service.db, effect('test:retrying'));
    await markFailed(web.service.db, 'test:failed', '550 5.1.1 mailbox unavailable', null);
    await markFailed(web.service.db, 'test:retrying', 'connect ECONNREFUSED 127.0.0.1:25', 600_000);

    await page.goto(`${web.address}/hub`);
    expect(await words(page, '#effects + p')).toContain('1 failed and 1 not carried out yet.');
    await page.getByRole('link', { name: 'See them in the outbox, with their errors' }).click();
    const rows = (await page.locator('.app-effects tbody tr').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    expect(rows).toHaveLength(2);
    // Each email by the subject it is sent with.
    // A failed email is not tried again by itself; hub staff may try it again now (test/web-outbox.test.ts).
    expect(rows[0]).toMatch(/^Riverside Academy URN 100004 Email Maths Hub: Work Group meeting 2 of 6 on Tue 4 Nov, 1.30pm to 4pm Failed 550 5\.1\.1 mailbox unavailable after 1 attempt Not tried again by itself after 1 attempt\. Try again now/);
    expect(rows[1]).toMatch(/^Riverside Academy URN 100004 Email Maths Hub: Work Group meeting 2 of 6 on Tue 4 Nov, 1.30pm to 4pm Waiting to retry connect ECONNREFUSED 127\.0\.0\.1:25 after 1 attempt Tried again by itself (within a minute|in \d+ minutes|in about an hour)/);
    expect(await words(page, '#effects-count')).toContain('2 items in the outbox, 1 failed.');
    // Hub staff read no programmer's word for them.
    const prose = await page.locator('main').evaluate((m) => { const c = m.cloneNode(true) as HTMLElement; c.querySelectorAll('details').forEach((x) => x.remove()); return c.textContent ?? ''; });
    expect(prose).not.toMatch(/\beffects?\b/i);
    await expectAccessible(page, 'effects failed');

    await page.getByLabel('Show').selectOption('failed');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    expect(new URL(page.url()).search).toBe('?status=failed');
    expect(await page.locator('.app-effects tbody tr').count()).toBe(1);
    await page.goto(`${web.address}/hub/effects?status=lost`);
    expect(await words(page, '.govuk-error-summary')).toContain('Choose “All”, “Failed” or “Not done yet” (you asked for “lost”)');
    await expectAccessible(page, 'effects bad filter');
  }, 240_000);
});
