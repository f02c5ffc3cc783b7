/**
 * The work group pages in a real browser, on the demo hub at 10 November
 * 2026: the hub's groups (create one, add a school, plan its year), one
 * group's sessions as a calendar and a table, recording attendance, moving a
 * session (warnings for a holiday or a clash, then a confirm step),
 * cancelling one, the .ics download, bad input, a stale version, and the
 * same pages read-only for an auditor. axe on every page, as hub staff and
 * as auditor.
 */
import { describe, expect, it } from 'vitest';
import ICAL from 'ical.js';
import type { Page } from 'playwright-core';
import { expectAccessible, signIn, useBrowser, useWebService } from './helpers/browser.js';
import { moveWarnings, pastProblem } from '../service/session-warnings.js';
import { parseDateParts, parseTime } from '../web/groups/inputs.js';
import { splitLabel } from '../web/groups/month-grid.js';
import { newDateBoundsWords } from '../service/school-words.js';

const HUB = 'east-midlands-east';
const DEV = 'emeast-development-2026-1';
const READY = 'emeast-readiness-2026-1';

interface SchoolJson {
  summary: { sessionsHeld: number; upcoming: { what: string; at: string }[] };
  version: number;
}

interface GroupJson {
  group: { id: string; version: number };
  sessions: { sessionId: string; at: string; status: string; academicYear: string }[];
}

/** The rows of the sessions table: [session, date and time, venue, status, attendance]. */
async function sessionRows(page: Page): Promise<string[][]> {
  return page.locator('#session-table tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('th, td')].map((c) => (c.textContent ?? '').replace(/\s+/g, ' ').trim())));
}

/** The page's forms that change something (the sign-out form aside). */
async function writeForms(page: Page): Promise<number> {
  return page.locator('main form[method="post"]').count();
}

describe('hub web: work groups', () => {
  const web = useWebService();
  const browser = useBrowser();
  let staff = '';
  let auditor = '';
  let otherHubStaff = '';
  let newGroupPath = '';

  /** How many attendance records the school's history holds. */
  const attendanceEvents = async (urn: string) =>
    (await web.api<{ entries: { type: string }[] }>('GET', `/schools/${urn}/history`)).body.entries.filter((e) => e.type === 'ATTENDANCE_RECORDED').length;

  const asStaff = async (path: string) => {
    const page = await browser.page();
    staff ||= await web.addUser({ name: 'Jo Staff', role: 'hub_staff', hubs: [HUB] });
    await signIn(page, web, staff, path);
    return page;
  };

  it('lists the hub’s groups with lead, capacity and sessions; creates a group (bad input first); adds a school; plans its year', async () => {
    const page = await asStaff('/hub/groups');
    expect(new URL(page.url()).pathname).toBe('/hub/groups');
    const table = page.locator('#groups');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(5);
    const readiness = table.locator('tr', { has: page.locator(`a[href="/hub/groups/${READY}"]`) });
    // Hollybrook and Forest Town: St Anne's withdrew, which freed its place (it still showed as taken: 3 of 8).
    expect(await readiness.textContent()).toContain('2 of 8');
    expect(await readiness.textContent()).toContain('Helen Ashworth');
    expect(await readiness.textContent()).toMatch(/\d+ held, \d+ planned/);
    // A session that has started with its attendance still to record is not "planned".
    const development = table.locator('tr', { has: page.locator(`a[href="/hub/groups/${DEV}"]`) });
    expect(await development.textContent()).toMatch(/1 held, 7 planned, 1 with attendance not recorded/);
    // A group that moved on with its schools (Development 2025/26, now in Embedding) says which year its sessions are.
    const table2025 = (await table.locator('tr', { hasText: 'Development Work Group 2025/26' }).textContent())!.replace(/\s+/g, ' ');
    expect(table2025).toMatch(/2025\/26\s*moved on: 2026\/27 .*In 2026\/27: \d+ held, \d+ planned/);
    await expectAccessible(page, 'groups list');

    // Bad input: nothing chosen, a bad email. Error summary, values kept, nothing made.
    await page.getByLabel('Lead’s name').fill('Ruth Ellis');
    await page.getByLabel('Lead’s email address').fill('ruth-at-example');
    await page.getByRole('button', { name: 'Create work group' }).click();
    const summary = page.locator('.govuk-error-summary');
    expect(await summary.textContent()).toContain('Select the programme the group is for');
    expect(await summary.textContent()).toContain('Enter the lead’s email address in the correct format');
    expect(await page.locator('#programmeId-error').textContent()).toContain('Select the programme');
    expect(await page.getByLabel('Lead’s name').inputValue()).toBe('Ruth Ellis');
    expect(await page.title()).toMatch(/^Error: /);
    await expectAccessible(page, 'groups list create error');
    const before = await web.api<{ count: number }>('GET', '/groups');
    expect(before.body.count).toBe(5);

    await page.getByLabel('Programme').selectOption('primary-readiness-2026-27');
    await page.getByLabel('Lead’s email address').fill('ruth.ellis@emeast-mathshub.example');
    await page.getByLabel('Group name (optional)').fill('Readiness group 2, Newark');
    await page.getByRole('button', { name: 'Create work group' }).click();
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('Work group created: Readiness group 2, Newark');
    expect(await page.locator('h1').textContent()).toContain('Readiness group 2, Newark');
    newGroupPath = new URL(page.url()).pathname;
    expect(await page.textContent('main')).toContain('0 of 8 places taken');
    expect(await page.textContent('main')).toContain('No sessions are planned for 2026/27');

    // Planning a year with no school in the group is refused in words, nothing planned.
    await page.getByRole('button', { name: 'Plan the year’s sessions' }).click();
    expect(await page.locator('.govuk-error-summary').textContent()).toMatch(/Readiness group 2, Newark: .*no schools/);
    expect(await page.locator('.govuk-error-summary').textContent()).not.toMatch(/POST|emeast-|\/applications/);

    // Add the waiting school, then plan the year.
    await page.goto(`${web.address}${newGroupPath}`);
    await page.getByLabel('Add a school').selectOption('100009');
    await page.getByRole('button', { name: 'Add school' }).click();
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('Brook Lane Primary School added to the group');
    expect(await page.textContent('main')).toContain('1 of 8 places taken');
    const link = page.getByRole('link', { name: 'Brook Lane Primary School' });
    expect(await link.getAttribute('href')).toBe('/hub/schools/100009');
    await page.getByRole('button', { name: 'Plan the year’s sessions' }).click();
    expect(await page.locator('.govuk-notification-banner').textContent()).toMatch(/\d+ sessions planned for 2026\/27\. Sent for 1 school/);
    const rows = await sessionRows(page);
    expect(rows.length).toBeGreaterThan(3);
    expect(rows[0]![0]).toBe('Workshop 1 of 6');
    await expectAccessible(page, 'group new planned');
  });

  it('shows a group’s members, capacity, the year as month calendars and as a table in words', async () => {
    const page = await asStaff(`/hub/groups/${DEV}`);
    expect(await page.locator('h1').textContent()).toContain('group 1');
    const rows = await sessionRows(page);
    expect(rows.map((r) => r[0])).toEqual(['Meeting 1 of 6', 'School visit 1 of 3', 'Meeting 2 of 6', 'Meeting 3 of 6', 'School visit 2 of 3', 'Meeting 4 of 6', 'Meeting 5 of 6', 'School visit 3 of 3', 'Meeting 6 of 6']);
    expect(rows[0]![1]).toBe('Thursday 10 September 2026, 9am to 11.30am');
    expect(rows[0]![2]).toBe('The Minster School, Southwell');
    // A school visit is held at each school, not at the group's venue.
    expect(rows[1]![2]).toBe('At each school');
    expect(rows[0]![3]).toBe('Held');
    expect(rows[0]![4]).toBe('Recorded');
    // School visit 1 was on 17 September (the service's today is 10 November) and its attendance is not recorded: not "Planned".
    expect(rows[1]![3]).toBe('Attendance not recorded');
    expect(rows[1]![4]).toBe('Record attendance at School visit 1 of 3');
    const record = page.locator('#session-table').getByRole('link', { name: 'Record attendance at School visit 1 of 3' });
    expect(await record.getAttribute('href')).toMatch(new RegExp(`^/hub/groups/${DEV}/sessions/[^/]+visit-01#attendance$`));
    expect(rows[2]![3]).toBe('Planned');
    expect(rows[2]![4]).toBe('Not yet due');
    // No internal ids or event names anywhere in the words.
    const text = (await page.textContent('main')) ?? '';
    expect(text).not.toMatch(/secondary-development-2026-27|ATTENDANCE_RECORDED|SESSION_/);
    // Calendars: one table per month from September to June, each with a caption and column headers.
    const captions = await page.locator('table.app-calendar caption').allTextContents();
    expect(captions[0]).toBe('September 2026');
    expect(captions.at(-1)).toBe('June 2027');
    expect(await page.locator('table.app-calendar').first().locator('th[scope="col"]').count()).toBe(7);
    const nov = page.locator('table.app-calendar', { has: page.locator('caption', { hasText: 'November 2026' }) });
    expect(await nov.getByRole('link', { name: /Meeting 2 of 6/ }).count()).toBe(1);
    expect(await nov.locator('td[aria-current="date"]').textContent()).toContain('10');
    expect(await page.locator('td', { hasText: '(school closed)' }).count()).toBeGreaterThan(0);
    // The school links to its page.
    expect(await page.getByRole('link', { name: 'Riverside Academy' }).getAttribute('href')).toBe('/hub/schools/100004');
    await expectAccessible(page, 'group page');
    // On the school's own page, its coming visit is at the school by name, a meeting at the group's venue.
    await page.getByRole('link', { name: 'Riverside Academy' }).click();
    const coming = await page.locator('.app-due__what').allTextContents();
    expect(coming, coming.join('\n')).toContain('School visit 2 of 3 at Riverside Academy');
    expect(coming).toContain('Meeting 2 of 6 at The Minster School, Southwell');
    expect(coming.join('\n')).not.toContain('at the school');

    // A full group says so.
    const full = await web.api<{ groups: { id: string; maxSchools: number | null; places: number }[] }>('GET', '/groups');
    const trg = full.body.groups.find((g) => g.id === 'emeast-trg-2018-1')!;
    await page.goto(`${web.address}/hub/groups/emeast-trg-2018-1`);
    expect(await page.textContent('main')).toContain(`${trg.places} of ${trg.maxSchools} places taken`);
  });

  it('says in one sentence why a held session cannot be moved: attendance is recorded for both its schools, named once', async () => {
    const page = await asStaff(`/hub/groups/${READY}/sessions/primary-readiness-2026-27.workshop-01`);
    expect(await page.locator('#cancel').textContent()).toBe('It cannot be moved or cancelled, because attendance is recorded for Forest Town Primary School and Hollybrook Primary School.');
    // Two schools are "both", not "all 2".
    expect(await page.locator('.govuk-summary-list__row', { hasText: 'Attendance' }).locator('dd').innerText()).toBe('Recorded for both schools');
  });

  it('offers no "Add a school" on a group that has held all its meetings of its year, and says why', async () => {
    const page = await asStaff('/hub/groups/emeast-trg-2018-1');
    expect(await page.locator('#urn').count()).toBe(0);
    expect((await page.locator('.govuk-inset-text').textContent())!.trim()).toBe('This group has held all its meetings of 2018/19 (the last on Thursday 27 June 2019, 9am), so no more schools can be added: a school joining now could attend none of them. Put a school waiting for a place on the waiting list, or add it to a group with meetings still to come.');
    await expectAccessible(page, 'group whose year is over');
  });

  it('says before a session who is expected at it: each school taking part and its lead teachers by name', async () => {
    const page = await asStaff(`/hub/groups/${READY}/sessions/primary-readiness-2026-27.workshop-02`);
    expect((await page.locator('#expected li').allInnerTexts()).map((t) => t.trim())).toEqual([
      'Forest Town Primary School: Sam Okoro and Ellie Walsh (lead teachers)',
      'Hollybrook Primary School: Tom Bradley and Nadia Kowalski (lead teachers)',
    ]);
    await expectAccessible(page, 'session planned, who is expected');
    // A held session lists what was recorded instead.
    await page.goto(`${web.address}/hub/groups/${READY}/sessions/primary-readiness-2026-27.workshop-01`);
    expect(await page.locator('#expected').count()).toBe(0);
  });

  it('a new date outside the programme’s academic year is an error on the date, in words, and nothing moves: not the group, not its school', async () => {
    const page = await asStaff(`/hub/groups/${DEV}`);
    const groupBefore = await web.api<GroupJson>('GET', `/groups/${DEV}`);
    const meeting3 = groupBefore.body.sessions.find((s) => s.sessionId.endsWith('meeting-03'))!;
    const schoolBefore = await web.api<SchoolJson>('GET', '/schools/100004');
    await page.getByRole('link', { name: 'Meeting 3 of 6' }).first().click();
    // 13 October 2027 is in 2027/28; the group's Secondary Development programme is 2026/27.
    await page.getByLabel('Day').fill('13');
    await page.getByLabel('Month').fill('10');
    await page.getByLabel('Year').fill('2027');
    await page.getByLabel('Start time').fill('13:30');
    const [response] = await Promise.all([page.waitForResponse((x) => x.request().method() === 'POST'), page.getByRole('button', { name: 'Move session' }).click()]);
    expect(response.status()).toBe(422);
    const words = 'The new date must be in the 2026/27 academic year (1 September 2026 to 31 August 2027)';
    const summary = page.locator('.govuk-error-summary');
    expect((await summary.locator('a').allTextContents()).map((t) => t.trim())).toEqual([words]);
    expect(await summary.locator('a').first().getAttribute('href')).toBe('#to-day');
    expect(await page.locator('#to-error').textContent()).toContain(words);
    expect(await page.title()).toMatch(/^Error: /);
    // No "Success" banner, no machine words; what was typed is kept.
    expect(await page.locator('.govuk-notification-banner').count()).toBe(0);
    expect(await page.textContent('main')).not.toMatch(/SESSION_|development\/active|rule academicYear|secondary-development|cannot take|Moved for/);
    expect(await page.getByLabel('Day').inputValue()).toBe('13');
    await expectAccessible(page, 'session move outside the year');

    // Nothing changed: the group's session, its year, the school's record and its reminders.
    const groupAfter = await web.api<GroupJson>('GET', `/groups/${DEV}`);
    expect(groupAfter.body.group.version).toBe(groupBefore.body.group.version);
    expect(groupAfter.body.sessions.find((s) => s.sessionId === meeting3.sessionId)).toEqual(meeting3);
    expect(new Set(groupAfter.body.sessions.map((s) => s.academicYear))).toEqual(new Set(['2026/27']));
    const schoolAfter = await web.api<SchoolJson>('GET', '/schools/100004');
    expect(schoolAfter.body.version).toBe(schoolBefore.body.version);
    expect(schoolAfter.body.summary.upcoming).toEqual(schoolBefore.body.summary.upcoming);
    await page.goto(`${web.address}/hub/groups/${DEV}`);
    const rows = await sessionRows(page);
    expect(rows.map((r) => r[0])).toEqual(['Meeting 1 of 6', 'School visit 1 of 3', 'Meeting 2 of 6', 'Meeting 3 of 6', 'School visit 2 of 3', 'Meeting 4 of 6', 'Meeting 5 of 6', 'School visit 3 of 3', 'Meeting 6 of 6']);
    expect(rows[3]![1]).toBe('Thursday 14 January 2027, 9am to 11.30am');
    expect(await page.locator('nav[aria-label="Other years"]').count()).toBe(0);
  });

  it('a calendar label breaks between words, never inside one ("Worksho" / "p 1" at 1280 pixels before)', async () => {
    for (const id of [READY, DEV]) {
      const page = await asStaff(`/hub/groups/${id}`);
      const split = await page.locator('.app-calendar__session').evaluateAll((links) =>
        links.flatMap((a) => {
          // The visible label is the link's own text; the spoken rest is in visually hidden spans.
          const label = [...a.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim() !== '');
          if (!label) return [`${a.textContent}: no visible label`];
          const text = label.textContent!;
          const broken: string[] = [];
          for (const m of text.matchAll(/\S+/g)) {
            const r = document.createRange();
            r.setStart(label, m.index);
            r.setEnd(label, m.index + m[0].length);
            const lines = new Set([...r.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.top)));
            if (lines.size > 1) broken.push(`"${m[0]}" of "${text}" is split over ${lines.size} lines`);
          }
          return broken;
        }),
      );
      expect(await page.locator('.app-calendar__session').count()).toBeGreaterThan(5);
      expect(split, id).toEqual([]);
      // The schools' attendance is counted in what the programme holds: Readiness has workshops, Development meetings.
      expect(await page.locator('main table').first().locator('thead th').last().textContent()).toBe(id === READY ? 'Workshops attended' : 'Meetings attended');
    }
  });

  it('records attendance with a tick per person (headteacher at the first Readiness workshop): the school’s sessions held go up', async () => {
    expect(newGroupPath).not.toBe('');
    const page = await asStaff(newGroupPath);
    await page.getByRole('link', { name: 'Workshop 1 of 6' }).first().click();
    expect(await page.locator('h1').textContent()).toBe('Workshop 1 of 6');
    // Its commitment is not signed yet: no form for it, and the page says why.
    expect(await page.locator('#not-taking-part').textContent()).toContain('Brook Lane Primary School: its commitment is not signed yet');
    expect(await page.getByRole('button', { name: 'Record attendance' }).count()).toBe(0);
    const signed = await web.api('POST', '/schools/100009/commitment', { signatories: ['headteacher', 'teacher1', 'teacher2'] });
    expect(signed.status).toBe(200);
    await page.reload();
    const fieldset = page.locator('fieldset', { hasText: 'Brook Lane Primary School' });
    expect(await fieldset.textContent()).toContain('Martin Lowes, headteacher');
    await expectAccessible(page, 'session attendance form');

    const before = await web.api<SchoolJson>('GET', '/schools/100009');
    const attendedBefore = await attendanceEvents('100009');
    // Nothing ticked: the error names the school, nothing written.
    await page.getByRole('button', { name: 'Record attendance' }).click();
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('Select who came from Brook Lane Primary School');
    // Nothing recorded (the school's own timers, due now it has signed, may still add their events meanwhile).
    expect(await attendanceEvents('100009')).toBe(attendedBefore);
    await expectAccessible(page, 'session attendance error');

    await fieldset.getByLabel('Hannah Webb, lead teacher').check();
    await fieldset.getByLabel('Joe Fenwick, lead teacher').check();
    await fieldset.getByLabel('Martin Lowes, headteacher').check();
    await page.getByRole('button', { name: 'Record attendance' }).click();
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('Attendance recorded for Brook Lane Primary School');
    const recorded = page.locator('table', { has: page.locator('caption', { hasText: 'Recorded' }) });
    expect(await recorded.textContent()).toMatch(/Brook Lane Primary School\s*2 of 2\s*Came/);
    const after = await web.api<SchoolJson>('GET', '/schools/100009');
    expect(after.body.summary.sessionsHeld).toBe(before.body.summary.sessionsHeld + 1);
    // And the group's table says so.
    await page.goto(`${web.address}${newGroupPath}`);
    const rows = await sessionRows(page);
    expect(rows[0]!.slice(3)).toEqual(['Held', 'Recorded']);
    const member = page.locator('tr', { has: page.getByRole('link', { name: 'Brook Lane Primary School' }) });
    expect(await member.textContent()).toContain(`${after.body.summary.sessionsHeld} of`);
  });

  it('moves a session: an empty date is an error; a holiday or a clash warns and asks to confirm; confirming moves it', async () => {
    const page = await asStaff(`/hub/groups/${DEV}`);
    await page.getByRole('link', { name: 'Meeting 3 of 6' }).first().click();
    await expectAccessible(page, 'session page');

    // Bad input: no date at all.
    await page.getByLabel('Start time').fill('13:30');
    await page.getByRole('button', { name: 'Move session' }).click();
    const summary = page.locator('.govuk-error-summary');
    expect(await summary.textContent()).toContain('Enter the new date');
    expect(await summary.locator('a').first().getAttribute('href')).toBe('#to-day');
    expect(await page.getByLabel('Start time').inputValue()).toBe('13:30');
    await expectAccessible(page, 'session move error');

    // A date in the past is refused.
    await page.getByLabel('Day').fill('1');
    await page.getByLabel('Month').fill('10');
    await page.getByLabel('Year').fill('2026');
    await page.getByRole('button', { name: 'Move session' }).click();
    expect(await summary.textContent()).toContain('must be in the future');

    // The day of another session of the group: a clash.
    await page.getByLabel('Day').fill('21');
    await page.getByLabel('Month').fill('1');
    await page.getByLabel('Year').fill('2027');
    await page.getByRole('button', { name: 'Move session' }).click();
    expect(await page.locator('#move-warning').textContent()).toContain('Thursday 21 January 2027 is the day of School visit 2 of 3 of this group');

    // In the Christmas holiday: warned; confirming moves it.
    await page.getByLabel('Day').fill('29');
    await page.getByLabel('Month').fill('12');
    await page.getByLabel('Year').fill('2026');
    await page.getByRole('button', { name: /anyway/ }).click();
    // The confirmation was for another date: this one is checked again.
    const warning = page.locator('#move-warning');
    expect(await warning.textContent()).toContain('Tuesday 29 December 2026 falls in the school holiday from 19 December 2026 to 3 January 2027');
    await expectAccessible(page, 'session move warning');
    const groupBefore = await web.api<GroupJson>('GET', `/groups/${DEV}`);
    expect(groupBefore.body.sessions.find((s) => s.sessionId.endsWith('meeting-03'))!.at).toBe('2027-01-14T09:00:00+00:00');
    await page.getByRole('button', { name: 'Move it to Tuesday 29 December 2026, 1.30pm anyway' }).click();
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('Meeting 3 of 6 moved. Moved for 1 school');
    expect(await page.locator('.govuk-summary-list').textContent()).toContain('Tuesday 29 December 2026, 1.30pm to 4pm');

    await page.goto(`${web.address}/hub/groups/${DEV}`);
    const rows = await sessionRows(page);
    const moved = rows.find((r) => r[0] === 'Meeting 3 of 6')!;
    expect(moved[1]).toBe('Tuesday 29 December 2026, 1.30pm to 4pm');
    const school = await web.api<SchoolJson>('GET', '/schools/100004');
    expect(school.body.summary.upcoming.some((u) => u.at.startsWith('2026-12-29T13:30'))).toBe(true);
  });

  it('cancels a session with a reason (an empty reason is an error); the .ics has one event per session, stable UIDs, the moves and the cancellation', async () => {
    const page = await asStaff(`/hub/groups/${DEV}`);
    await page.getByRole('link', { name: 'Meeting 5 of 6' }).first().click();
    await page.getByRole('button', { name: 'Cancel this session' }).click();
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('Enter why the session is cancelled');
    await page.getByLabel('Why is it cancelled?').fill('The venue is closed for building work');
    await page.getByRole('button', { name: 'Cancel this session' }).click();
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('Meeting 5 of 6 cancelled');
    expect(await page.locator('.govuk-summary-list').textContent()).toContain('The venue is closed for building work');
    await page.goto(`${web.address}/hub/groups/${DEV}`);
    const rows = await sessionRows(page);
    expect(rows.find((r) => r[0] === 'Meeting (cancelled)')?.[3]).toBe('Cancelled');
    expect(rows.filter((r) => r[0]!.startsWith('Meeting ')).map((r) => r[0])).toContain('Meeting 5 of 5');

    const link = page.getByRole('link', { name: /Download these sessions/ });
    const href = (await link.getAttribute('href'))!;
    const res = await page.request.get(`${web.address}${href}`);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toMatch(/^text\/calendar/);
    expect(res.headers()['content-disposition']).toMatch(/^attachment; filename="[a-z0-9-]+\.ics"$/);
    const text = await res.text();
    const cal = new ICAL.Component(ICAL.parse(text));
    const events = cal.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
    expect(events.length).toBe(rows.length);
    const uids = events.map((e) => e.uid);
    expect(new Set(uids).size).toBe(uids.length);
    expect(uids.every((u) => /^[0-9a-f]{32}@mastery-pathway$/.test(u))).toBe(true);
    const moved = events.find((e) => e.startDate.toJSDate().toISOString() === '2026-12-29T13:30:00.000Z')!;
    expect(moved.sequence).toBe(1);
    expect(moved.summary).toContain('Meeting 3 of 5');
    expect(moved.endDate.toJSDate().toISOString()).toBe('2026-12-29T16:00:00.000Z');
    const cancelled = events.filter((e) => e.component.getFirstPropertyValue('status') === 'CANCELLED');
    expect(cancelled.length).toBe(1);
    expect(events.filter((e) => e.sequence === 0).length).toBe(events.length - 1);
    // The same UIDs on the next download: calendars update their entries, not duplicate them.
    const again = new ICAL.Component(ICAL.parse(await (await page.request.get(`${web.address}${href}`)).text()));
    expect(again.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v).uid)).toEqual(uids);
  });

  it('a stale group version shows the conflict plainly (409) with the fresh page, and writes nothing', async () => {
    const page = await asStaff(`/hub/groups/${READY}`);
    await page.getByRole('link', { name: 'Workshop 4 of 6' }).first().click();
    const sessionUrl = page.url();
    // Someone else moves another session of the group meanwhile (the group's version goes up).
    const g = await web.api<GroupJson>('GET', `/groups/${READY}`);
    const other = g.body.sessions.find((s) => s.sessionId.endsWith('workshop-05'))!;
    const r = await web.api('POST', `/groups/${READY}/sessions/${other.sessionId}/move`, { to: '2027-04-16T09:00:00+01:00' });
    expect(r.status).toBe(200);
    await page.getByLabel('Why is it cancelled?').fill('Clash with a training day');
    const [response] = await Promise.all([page.waitForResponse((x) => x.request().method() === 'POST'), page.getByRole('button', { name: 'Cancel this session' }).click()]);
    expect(response.status()).toBe(409);
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('Someone else changed this session or its schools while you were looking');
    expect(await page.locator('h1').textContent()).toBe('Workshop 4 of 6');
    // What was typed is kept, to send again after checking.
    expect(await page.getByLabel('Why is it cancelled?').inputValue()).toBe('Clash with a training day');
    const after = await web.api<GroupJson>('GET', `/groups/${READY}`);
    expect(after.body.sessions.find((s) => s.sessionId.endsWith('workshop-04'))!.status).toBe('scheduled');
    await expectAccessible(page, 'session conflict');
    void sessionUrl;
  });

  it('a move or a cancellation one school refuses changes nothing, for any school, and names the school and why', async () => {
    // Two pages open on Workshop 3 of the Readiness group (its two schools, Hollybrook and Forest Town, both scheduled).
    const g = await web.api<GroupJson>('GET', `/groups/${READY}`);
    const workshops = g.body.sessions.filter((s) => s.sessionId.includes('.workshop-'));
    const w3 = workshops[2]!;
    expect(Date.parse(w3.at)).toBeGreaterThan(Date.parse('2026-11-10T09:00:00Z'));
    const open = async () => {
      const page = await asStaff(`/hub/groups/${READY}`);
      await page.getByRole('link', { name: 'Workshop 3 of 6' }).first().click();
      expect(await page.getByRole('button', { name: 'Move session' }).count()).toBe(1);
      return page;
    };
    const movePage = await open();
    const cancelPage = await open();
    // Meanwhile the workshop is cancelled for Hollybrook alone, by an event sent to that school (as `pathway event` does).
    await web.service.engine.send('100005', { type: 'SESSION_CANCELLED', at: web.service.now(), sessionId: w3.sessionId, reason: 'closed for a staff training day' }, { actor: 'test' });
    const forestBefore = await web.api<SchoolJson>('GET', '/schools/100006');
    const groupBefore = await web.api<GroupJson>('GET', `/groups/${READY}`);

    await movePage.getByLabel('Day').fill('3');
    await movePage.getByLabel('Month').fill('2');
    await movePage.getByLabel('Year').fill('2027');
    await movePage.getByLabel('Start time').fill('13:30');
    const [moved] = await Promise.all([movePage.waitForResponse((x) => x.request().method() === 'POST'), movePage.getByRole('button', { name: 'Move session' }).click()]);
    expect(moved.status()).toBe(422);
    expect((await movePage.locator('.govuk-error-summary a').allTextContents()).map((t) => t.trim())).toEqual([
      'Workshop 3 of 6 was not moved for any of its 2 schools, and nothing was changed. It cannot be moved for Hollybrook Primary School: the session is already cancelled for that school.',
    ]);
    expect(await movePage.locator('.govuk-notification-banner').count()).toBe(0);
    // The summary's link leads to the page's words on why the session can no longer be moved (its forms are gone).
    const target = (await movePage.locator('.govuk-error-summary a').getAttribute('href'))!;
    expect(await movePage.locator(target).count()).toBe(1);
    expect(await movePage.locator('#cancel').textContent()).toBe('It cannot be moved or cancelled, because it is cancelled for Hollybrook Primary School.');
    expect(await movePage.textContent('main')).not.toMatch(/SESSION_|readiness\/active|primary-readiness|cannot take/);
    await expectAccessible(movePage, 'session move refused by one school');

    await cancelPage.getByLabel('Why is it cancelled?').fill('The venue is double booked');
    const [cancelled] = await Promise.all([cancelPage.waitForResponse((x) => x.request().method() === 'POST'), cancelPage.getByRole('button', { name: 'Cancel this session' }).click()]);
    expect(cancelled.status()).toBe(422);
    expect((await cancelPage.locator('.govuk-error-summary a').allTextContents()).map((t) => t.trim())).toEqual([
      'Workshop 3 of 6 was not cancelled for any of its 2 schools, and nothing was changed. It cannot be cancelled for Hollybrook Primary School: the session is already cancelled for that school.',
    ]);
    expect(await cancelPage.locator('.govuk-notification-banner').count()).toBe(0);
    expect(await cancelPage.locator((await cancelPage.locator('.govuk-error-summary a').getAttribute('href'))!).count()).toBe(1);
    await expectAccessible(cancelPage, 'session cancel refused by one school');

    // Forest Town, which would have taken both, and the group are as they were.
    const forestAfter = await web.api<SchoolJson>('GET', '/schools/100006');
    expect(forestAfter.body.version).toBe(forestBefore.body.version);
    expect(forestAfter.body.summary.upcoming).toEqual(forestBefore.body.summary.upcoming);
    const groupAfter = await web.api<GroupJson>('GET', `/groups/${READY}`);
    expect(groupAfter.body.group.version).toBe(groupBefore.body.group.version);
    expect(groupAfter.body.sessions).toEqual(groupBefore.body.sessions);
  });

  it('an auditor sees every page read-only, with no forms, and a post is refused', async () => {
    auditor ||= await web.addUser({ name: 'Alex Auditor', role: 'auditor', hubs: [HUB] });
    const page = await browser.page();
    await signIn(page, web, auditor, '/hub/groups');
    expect(new URL(page.url()).pathname).toBe('/hub/groups');
    expect(await page.locator('#groups tbody tr').count()).toBeGreaterThanOrEqual(6);
    expect(await writeForms(page)).toBe(0);
    await expectAccessible(page, 'groups list auditor');
    await page.goto(`${web.address}/hub/groups/${DEV}`);
    expect(await writeForms(page)).toBe(0);
    const auditorRows = await sessionRows(page);
    expect(auditorRows.length).toBe(9);
    // An auditor cannot record attendance: the words, without the link.
    expect(auditorRows[1]!.slice(3)).toEqual(['Attendance not recorded', 'Not recorded']);
    await expectAccessible(page, 'group page auditor');
    await page.getByRole('link', { name: 'School visit 1 of 3' }).first().click();
    expect(await page.locator('h1').textContent()).toBe('School visit 1 of 3');
    expect(await writeForms(page)).toBe(0);
    await expectAccessible(page, 'session page auditor');
    // A hand-made post with a valid CSRF token is still refused, and nothing changes.
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const path = new URL(page.url()).pathname;
    const status = await page.evaluate(
      async ({ path, csrf }) => (await fetch(`${path}/cancel`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${encodeURIComponent(csrf)}&reason=auditor` })).status,
      { path, csrf },
    );
    expect(status).toBe(403);
    const g = await web.api<GroupJson>('GET', `/groups/${DEV}`);
    expect(g.body.sessions.find((s) => s.sessionId.endsWith('visit-01'))!.status).toBe('scheduled');
  });

  it('another hub’s staff see none of this hub’s groups', async () => {
    otherHubStaff ||= await web.addUser({ name: 'Sam Elsewhere', role: 'hub_staff', hubs: ['cambridge'] });
    const page = await browser.page();
    await signIn(page, web, otherHubStaff, `/hub/groups/${DEV}`);
    const res = await page.goto(`${web.address}/hub/groups/${DEV}`);
    expect(res?.status()).toBe(403);
    expect(await page.textContent('main')).not.toContain('Riverside Academy');
    const ics = await page.request.get(`${web.address}/hub/groups/${DEV}/calendar.ics`);
    expect(ics.status()).toBe(403);
    expect(await ics.text()).not.toContain('BEGIN:VCALENDAR');
  });
});

describe('work group forms: the move warnings and the date and time inputs', () => {
  const others = [{ sessionId: 'b', label: 'Meeting 2 of 6', startsAt: '2027-01-14T09:00:00+00:00', status: 'planned' as const }];
  const kinds = (to: string) => moveWarnings({ sessionId: 'a', to, others, scope: { hub: 'east-midlands-east' } }).map((w) => w.kind);

  it('warns for a clash, a weekend, a bank holiday and a school holiday; a school day in term has none', () => {
    expect(kinds('2027-01-14T13:30:00+00:00')).toEqual(['clash']);
    expect(kinds('2027-01-16T09:00:00+00:00')).toEqual(['weekend']);
    expect(kinds('2027-05-03T09:00:00+01:00')).toEqual(['bank-holiday']);
    expect(kinds('2026-10-28T09:00:00+00:00')).toEqual(['holiday']);
    expect(kinds('2027-01-20T09:00:00+00:00')).toEqual([]);
    // A cancelled session is no clash.
    expect(moveWarnings({ sessionId: 'a', to: '2027-01-14T13:30:00+00:00', others: [{ ...others[0]!, status: 'cancelled' }] })).toEqual([]);
    expect(pastProblem('2026-11-10T08:59:00Z', '2026-11-10T09:00:00Z')).toContain('must be in the future: it is now Tuesday 10 November 2026, 9am');
    expect(pastProblem('2026-11-10T09:01:00Z', '2026-11-10T09:00:00Z')).toBeNull();
  });

  it('a calendar cell shows a short label and reads out the rest: "visit 1" of 3, a cancelled "Meeting"', () => {
    expect(splitLabel('School visit 1 of 3')).toEqual({ before: 'School ', short: 'visit 1', after: ' of 3' });
    expect(splitLabel('Meeting (cancelled)')).toEqual({ before: '', short: 'Meeting', after: ' (cancelled)' });
    expect(splitLabel('School visit (cancelled)')).toEqual({ before: 'School ', short: 'visit', after: ' (cancelled)' });
    expect(splitLabel('Launch')).toEqual({ before: '', short: 'Launch', after: '' });
  });

  it('says where a moved session’s new date must fall: the academic year, a year that starts early, or the months of the kind', () => {
    const p = { name: 'Primary Mastery Readiness 2026/27', academicYear: '2026/27' };
    expect(newDateBoundsWords(p, 'meeting', { year: { from: '2026-09-01', to: '2027-08-31' } })).toBe('the new date must be in the 2026/27 academic year (1 September 2026 to 31 August 2027)');
    expect(newDateBoundsWords(p, 'workshop', { year: { from: '2026-06-01', to: '2027-08-31' } })).toBe('the new date must be between 1 June 2026 and 31 August 2027, the dates of Primary Mastery Readiness 2026/27');
    expect(newDateBoundsWords(p, 'visit', { months: [{ from: '2026-11', to: '2027-03' }, { from: '2027-06', to: '2027-06' }] })).toBe(
      'the new date must be in the months Primary Mastery Readiness 2026/27 holds its school visits: November 2026 to March 2027 or June 2027',
    );
  });

  it('reads times as people write them, and names what is wrong with a date', () => {
    expect(['13:30', '1.30pm', '1:30 pm', '9am', '12 noon', '12am'].map((t) => parseTime(t, 'The new time'))).toEqual(
      ['13:30', '13:30', '13:30', '09:00', '12:00', '00:00'].map((value) => ({ ok: true, value })),
    );
    expect(parseTime('25:00', 'The new time')).toEqual({ ok: false, message: 'The new time must be a time like 13:30 or 1.30pm' });
    expect(parseTime('', 'The new time')).toEqual({ ok: false, message: 'Enter the new time' });
    expect(parseDateParts('', '', '', 'The new date')).toEqual({ ok: false, message: 'Enter the new date' });
    expect(parseDateParts('31', '2', '2027', 'The new date')).toEqual({ ok: false, message: 'The new date must be a real date, for example 27 3 2027' });
    expect(parseDateParts('3', '', '2027', 'The new date')).toEqual({ ok: false, message: 'The new date must include a month', part: 'month' });
    expect(parseDateParts('3', '2', '2027', 'The new date')).toEqual({ ok: true, value: '2027-02-03' });
  });
});
