/**
 * A headteacher address that cannot receive mail, in the browser, on the
 * demo hub (simulated clock at 10 November 2026): a new Readiness school
 * applies with an address under .invalid (well formed, never delivered), so
 * its emails to the headteacher, then the first workshop's reminder, are
 * held; the board lists them and links to the school page, which warns and
 * says "Reminder held"; a bad correction shows the error and writes nothing;
 * an auditor sees no form and is refused; hub staff correct the address and
 * each held email reaches the new address exactly once in the mailbox. A
 * reminder that came too late (the service stopped over the meeting) says it was not sent. axe and
 * screenshots on every page.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import type { Page } from 'playwright-core';
import { expectAccessible, signIn, useBrowser, useWebService } from './helpers/browser.js';
import { mailProblems, schoolContact, sentMessages } from '../store/messages.js';

const HUB = 'east-midlands-east';
const URN = '200001';
const SCHOOL = 'Hollybrook Primary School';
const PROGRAMME = 'primary-readiness-2026-27';
const BAD = 'head@hollybrook.invalid';
const GOOD = 's.whitfield@hollybrook-primary.example';

const london = (iso: string) => DateTime.fromISO(iso, { zone: 'Europe/London' }).toUTC().toISO()!;

/** Every email in the mailbox folder: its key and who it went to. */
function mailbox(dir: string): { key: string; to: string; subject: string }[] {
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
  } catch {
    return [];
  }
  return files.map((f) => {
    const head = readFileSync(join(dir, f), 'utf8').split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
    const h = (n: string) => new RegExp(`^${n}:\\s*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
    return { key: h('X-Pathway-Key'), to: h('To'), subject: h('Subject') };
  });
}

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).allTextContents()).join(' ')).replace(/\s+/g, ' ').trim();
}

describe('hub web: an email that could not reach the headteacher', () => {
  const web = useWebService();
  const browser = useBrowser();
  let staff = '';
  let auditor = '';
  let groupId = '';
  const reminderKeyPrefix = `${URN}:${PROGRAMME}:reminder:${PROGRAMME}.workshop-01:`;

  beforeAll(async () => {
    staff = await web.addUser({ name: 'Hana Officer', role: 'hub_staff', hubs: [HUB] });
    auditor = await web.addUser({ name: 'Ade Auditor', role: 'auditor', hubs: [HUB] });
    const form = JSON.parse(readFileSync('examples/forms/primary-readiness-2020.json', 'utf8'));
    form.school.urn = URN;
    form.school.name = SCHOOL;
    form.school.hub = 'East Midlands East Maths Hub';
    form.school.headteacher.email = BAD;
    form.submittedOn = '2026-11-09';
    const ok = (r: { status: number; body: unknown }, what: string) => expect(r.status, `${what}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
    ok(await web.api('POST', `/applications?programme=${PROGRAMME}`, form), 'apply');
    ok(await web.api('POST', `/applications/${URN}/eligibility`, { eligible: true, criteria: ['highStaffTurnover'] }), 'eligible');
    const g = await web.api<{ id: string }>('POST', '/groups', { programmeId: PROGRAMME, hub: HUB, lead: { name: 'Helen Ashworth', email: 'h.ashworth@emeast-mathshub.example' } });
    ok(g, 'group');
    groupId = g.body.id;
    ok(await web.api('POST', `/applications/${URN}/select`, { groupId }), 'select');
    ok(await web.api('POST', `/schools/${URN}/commitment`, { signatories: ['headteacher', 'teacher1', 'teacher2'] }), 'commitment');
    ok(await web.api('POST', `/groups/${groupId}/schedule`, { place: 'The Minster School, Southwell' }), 'schedule');
    // The first workshop (which the headteacher must attend) moved to 25 November, after workshop 2 moved to December.
    ok(await web.api('POST', `/groups/${groupId}/sessions/${PROGRAMME}.workshop-02/move`, { to: london('2026-12-03T13:30') }), 'move 2');
    ok(await web.api('POST', `/groups/${groupId}/sessions/${PROGRAMME}.workshop-01/move`, { to: london('2026-11-25T13:30') }), 'move 1');
    // Its 14-day reminder falls on Wednesday 11 November at 1.30pm.
    await web.tick(london('2026-11-11T14:00'));
  }, 120_000);

  it('holds the headteacher’s emails, the first workshop’s reminder among them, while the teachers get theirs', async () => {
    const problems = await mailProblems(web.service.db, { urns: [URN] });
    expect(problems.map((p) => p.template)).toEqual(expect.arrayContaining(['selected', 'commitment-confirmed', 'schedule-announced', 'first-workshop-reminder']));
    const reminder = problems.find((p) => p.template === 'first-workshop-reminder')!;
    expect(reminder.key.startsWith(reminderKeyPrefix)).toBe(true);
    const box = mailbox(web.mailbox);
    expect(box.filter((m) => m.key === reminder.key)).toHaveLength(1);
    expect(box.some((m) => m.to.includes(BAD))).toBe(false);
  });

  it('the board lists the emails that could not be sent and links to the form on the school page', async () => {
    const page = await browser.page();
    await signIn(page, web, staff, '/hub');
    const section = page.locator('table', { has: page.locator('caption', { hasText: 'Correct the headteacher’s address' }) });
    const rows = section.locator('tbody tr', { hasText: SCHOOL });
    expect(await rows.count()).toBeGreaterThanOrEqual(4);
    expect(await rows.first().textContent()).toContain(`the headteacher’s address, ${BAD}, cannot receive email`);
    expect(await section.textContent()).toContain('Reminder of the first workshop');
    await expectAccessible(page, 'mail problems board');
    await rows.first().getByRole('link').click();
    expect(new URL(page.url()).pathname).toBe(`/hub/schools/${URN}`);
    expect(new URL(page.url()).hash).toBe('#headteacher-contact');
  });

  it('the school page warns, says the reminder is held, and keeps a bad correction out with the error shown', async () => {
    const page = await browser.page();
    await signIn(page, web, staff, `/hub/schools/${URN}`);
    expect(await text(page, '.govuk-warning-text')).toContain(`An email to the headteacher could not be sent: the headteacher’s address, ${BAD}, cannot receive email.`);
    expect(await text(page, '#headteacher-contact')).toContain('Reminder of the first workshop');
    const titles = await page.locator('.app-timeline__title').allTextContents();
    expect(titles).toContain('Reminder held: the headteacher’s address is not valid');
    expect(titles.some((t) => t.startsWith('Reminder sent'))).toBe(false);
    const heldDetail = await page.locator('.app-timeline__item', { hasText: 'Reminder held' }).first().textContent();
    expect(heldDetail).toContain('Workshop 1 of 6 in 14 days');
    expect(heldDetail).toContain('The lead teachers were sent it.');
    await expectAccessible(page, 'mail problems school page');

    // Not an address: the error summary and the field's own message, the value kept, nothing written.
    await page.getByLabel('Headteacher’s email address').fill('sarah at hollybrook');
    await page.getByRole('button', { name: 'Save and send held emails' }).click();
    expect(await text(page, '.govuk-error-summary')).toContain('Enter an email address in the correct format, like name@school.org.uk');
    expect(await text(page, '#headteacherEmail-error')).toContain('Enter an email address in the correct format');
    expect(await page.getByLabel('Headteacher’s email address').inputValue()).toBe('sarah at hollybrook');
    await expectAccessible(page, 'mail problems bad address');
    // Another placeholder is refused too.
    await page.getByLabel('Headteacher’s email address').fill('sarah@hollybrook.invalid');
    await page.getByRole('button', { name: 'Save and send held emails' }).click();
    expect(await text(page, '#headteacherEmail-error')).toContain('Enter an address that can receive email: sarah@hollybrook.invalid cannot');
    expect(await schoolContact(web.service.db, URN)).toBeNull();
    expect((await mailProblems(web.service.db, { urns: [URN] })).length).toBeGreaterThanOrEqual(4);
  });

  it('an auditor sees the warning but no form, and their post is refused', async () => {
    const page = await browser.page();
    await signIn(page, web, auditor, `/hub/schools/${URN}`);
    expect(await text(page, '.govuk-warning-text')).toContain('An email to the headteacher could not be sent');
    expect(await page.locator(`form[action="/hub/schools/${URN}/headteacher-contact"]`).count()).toBe(0);
    await expectAccessible(page, 'mail problems auditor');
    // A post made by hand (with the page's CSRF token) is refused, and nothing is saved.
    const csrf = await page.evaluate(async (urn) => {
      const html = await (await fetch(`/hub/schools/${urn}`)).text();
      return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    }, URN);
    expect(csrf).not.toBe('');
    const r = await page.request.post(`${web.address}/hub/schools/${URN}/headteacher-contact`, { form: { _csrf: csrf, headteacherName: 'Sarah Whitfield', headteacherEmail: GOOD } });
    expect(r.status()).toBe(403);
    expect(await r.text()).toContain('Auditors can look at schools but cannot change anything');
    expect(await schoolContact(web.service.db, URN)).toBeNull();
  });

  it('hub staff correct the address: each held email goes to it once, in time, and the page says so', async () => {
    const held = await mailProblems(web.service.db, { urns: [URN] });
    const page = await browser.page();
    await signIn(page, web, staff, `/hub/schools/${URN}`);
    await page.getByLabel('Headteacher’s email address').fill(GOOD);
    await page.getByRole('button', { name: 'Save and send held emails' }).click();
    expect(new URL(page.url()).pathname).toBe(`/hub/schools/${URN}`);
    expect(await text(page, '.govuk-notification-banner')).toContain(`Headteacher’s contact updated: ${held.length} held emails sent again`);
    // The change is on the timeline: from what, to what, by whom.
    const change = page.locator('.app-timeline__item', { hasText: 'Headteacher’s email address changed' });
    expect(await change.count()).toBe(1);
    expect(await change.textContent()).toMatch(new RegExp(`From Sarah Whitfield, \\S+ to Sarah Whitfield, ${GOOD.replace(/\./g, '\\.')}`));
    expect(await page.locator('.govuk-warning-text', { hasText: 'could not be sent' }).count()).toBe(0);
    expect(await text(page, 'main')).toContain(GOOD);
    // The catalogue's note on where a year's rules came from is not for the hub's page ("This year", the timeline).
    expect(await text(page, 'main')).not.toMatch(/rules carried (forward|back)/);
    const titles = await page.locator('.app-timeline__title').allTextContents();
    expect(titles).toContain('Reminder sent: Workshop 1 of 6 in 14 days');
    expect(await page.locator('.app-timeline__item', { hasText: 'Reminder sent: Workshop 1 of 6 in 14 days' }).textContent()).toContain('Held until the headteacher’s address was corrected, then sent to them on');
    await expectAccessible(page, 'mail problems corrected');

    const toHead = mailbox(web.mailbox).filter((m) => m.to.includes(GOOD));
    expect(toHead.map((m) => m.key).sort()).toEqual(held.map((p) => `${p.key}:to-corrected-address`).sort());
    expect(toHead.filter((m) => m.key.startsWith(reminderKeyPrefix))).toHaveLength(1);
    expect(await mailProblems(web.service.db, { urns: [URN] })).toEqual([]);

    // Saving again (the form stays, collapsed): nothing was waiting, nothing sent twice.
    await page.getByText('Correct the headteacher’s email address').click();
    await page.getByLabel('Headteacher’s email address').fill(GOOD);
    await page.getByRole('button', { name: 'Save the address' }).click();
    expect(await text(page, '.govuk-notification-banner')).toContain(`The headteacher’s contact was already Sarah Whitfield, ${GOOD}, so nothing changed`);
    expect(await page.locator('.app-timeline__item', { hasText: 'Headteacher’s email address changed' }).count(), 'saving the same address is not a change').toBe(1);
    await web.tick(london('2026-11-11T15:00'));
    expect(mailbox(web.mailbox).filter((m) => m.to.includes(GOOD))).toHaveLength(toHead.length);
  });

  it('a reminder about a meeting already past says it was not sent, and any school offers the form collapsed', async () => {
    // The demo sends every reminder on time; a service stopped over a meeting (the clock jumps past it before the
    // reminder's timer fires) records the reminder as not sent. Last in the file: it moves the clock on.
    expect((await sentMessages(web.service.db, { status: 'skipped' })).filter((m) => /:reminder:/.test(m.key) && m.urn.startsWith('1000')), 'the demo skips no reminder').toEqual([]);
    const urn = '100004';
    const r = await web.service.db.query<{ due_at: string | Date; event: { daysBefore: number } }>("SELECT due_at, event FROM timers WHERE urn = $1 AND event->>'type' = 'REMINDER_DUE' ORDER BY due_at LIMIT 1", [urn]);
    const after = new Date(new Date(r.rows[0]!.due_at).getTime() + r.rows[0]!.event.daysBefore * 86_400_000 + 3_600_000).toISOString();
    web.clock.advanceTo(after);
    await web.tick(after);
    const skipped = await sentMessages(web.service.db, { urn, status: 'skipped' });
    expect(skipped.some((m) => /:reminder:/.test(m.key) && /which had passed/.test(m.note ?? ''))).toBe(true);
    const page = await browser.page();
    await signIn(page, web, staff, `/hub/schools/${urn}`);
    const titles = await page.locator('.app-timeline__title').allTextContents();
    expect(titles.some((t) => /^Reminder not sent: the (meeting|workshop|visit) had already happened$/.test(t))).toBe(true);
    const details = page.locator('details', { hasText: 'Correct the headteacher’s email address' });
    expect(await details.count()).toBe(1);
    expect(await details.getAttribute('open')).toBeNull();
    await expectAccessible(page, 'mail problems demo school');
  });
});
