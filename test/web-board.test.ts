/**
 * The hub board and the school page in a real browser, on the demo hub
 * (East Midlands East, 11 schools, simulated clock at 10 November 2026):
 * counts and a filtered, sorted, paged table driven by the query string;
 * what is due and overdue in words; the school page's timeline, payments and
 * chart; actions end to end with the If-Match version (a stale one shows the
 * conflict page and saves nothing); a refusal in words; another hub's school
 * refused with none of its data; auditors read but never write; axe on every
 * page as hub staff, auditor and admin.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { expectAccessible, screenshot, signIn, useBrowser, useWebService } from './helpers/browser.js';
import { MACHINE_VERSION } from '../machines/pathway.js';

const HUB = 'east-midlands-east';

interface School {
  urn: string;
  name: string;
  phase: string;
  route: string | null;
  status: string;
  overdue: boolean;
}

/** An application form (the example primary Readiness form) for a school of `hub` with this URN and name. */
function form(urn: string, name: string, hub = 'East Midlands East Maths Hub') {
  const f = JSON.parse(readFileSync('examples/forms/primary-readiness-2020.json', 'utf8'));
  f.school.urn = urn;
  f.school.name = name;
  f.school.hub = hub;
  return f;
}

async function tableRows(page: Page): Promise<string[][]> {
  return page.locator('main table').first().locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())));
}

/** "2026/27" moved by whole years. */
function shiftYear(year: string, by: number): string {
  const start = Number(year.slice(0, 4)) + by;
  return `${start}/${String((start + 1) % 100).padStart(2, '0')}`;
}

describe('hub web: the hub board and the school page', () => {
  const web = useWebService();
  const browser = useBrowser();
  let staff = '';
  let auditor = '';
  let staffB = '';

  beforeAll(async () => {
    staff = await web.addUser({ name: 'Hana Officer', role: 'hub_staff', hubs: [HUB] });
    auditor = await web.addUser({ name: 'Ade Auditor', role: 'auditor', hubs: [HUB] });
    staffB = await web.addUser({ name: 'Gus North', role: 'hub_staff', hubs: ['great-north'] });
    // A school of another hub (hub B), with a name nobody in hub A may see.
    const r = await web.api('POST', '/applications', form('300001', 'Secret Northern Academy', 'Great North Maths Hub'));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  }, 60_000);

  it('shows counts by phase and status, and filters the table by phase, status and overdue through the query string', async () => {
    const all = (await web.api<{ schools: School[] }>('GET', `/schools?hub=${HUB}`)).body.schools;
    const page = await browser.page();
    await signIn(page, web, staff, '/hub');
    expect(new URL(page.url()).pathname).toBe('/hub');
    expect(await page.locator('.app-header').textContent()).toContain('East Midlands East Maths Hub');
    const cards = page.locator('.app-cards');
    expect(await cards.textContent()).toContain('Readiness');
    const readiness = all.filter((s) => s.phase === 'readiness');
    expect(await cards.locator('li.app-card', { hasText: 'Readiness' }).locator('.app-count').textContent()).toBe(String(readiness.length));
    expect(await page.locator('#table-count').textContent()).toContain(`of ${all.length} schools`);
    // The column headings read as headings: bold, as GOV.UK tables have them (the compact size once reset them to regular).
    const weights = await page.locator('main table').first().locator('thead th').evaluateAll((ths) => ths.map((th) => Number(getComputedStyle(th).fontWeight)));
    expect(weights.length).toBeGreaterThan(3);
    expect(weights.every((w) => w >= 700), weights.join(',')).toBe(true);
    const shown = await tableRows(page);
    expect(shown).toHaveLength(all.length);
    // The route column: the phase and year columns say the rest of the programme.
    expect(await page.locator('main table').first().locator('thead th').allTextContents()).toEqual(['URN', 'School', 'Phase', 'Status', 'Route', 'Year', 'Work group', 'Overdue', 'Next']);
    for (const s of all) expect(shown.find((r) => r[0] === s.urn)?.[4], s.urn).toBe(s.route === 'primary' ? 'Primary' : 'Secondary');
    await expectAccessible(page, 'hub board staff');
    // The table fits the page's width at 1280 px: no column runs past the layout.
    const overflow = await page.evaluate(() => document.querySelector('main table')!.getBoundingClientRect().right - document.querySelector('main')!.getBoundingClientRect().right);
    expect(overflow).toBeLessThanOrEqual(0);

    // Phase filter through the GET form: the address carries it, the table and its count change.
    await page.selectOption('#phase', 'readiness');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    expect(new URL(page.url()).searchParams.get('phase')).toBe('readiness');
    let rows = await tableRows(page);
    expect(rows).toHaveLength(readiness.length);
    expect(rows.every((r) => r[2] === 'Readiness')).toBe(true);
    expect(await page.locator('#table-count').textContent()).toContain(`of ${readiness.length} schools that match`);

    // Phase and status together, from a bookmarked address.
    await page.goto(`${web.address}/hub?phase=readiness&status=active`);
    rows = await tableRows(page);
    expect(rows.map((r) => r[0]).sort()).toEqual(all.filter((s) => s.phase === 'readiness' && s.status === 'active').map((s) => s.urn).sort());
    expect(rows.every((r) => r[3] === 'Taking part')).toBe(true);
    expect(await page.locator('#status').inputValue()).toBe('active');

    // Overdue only: the schools with something outstanding, and the reasons in words.
    await page.goto(`${web.address}/hub`);
    await page.selectOption('#overdue', 'yes');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    rows = await tableRows(page);
    const overdue = all.filter((s) => s.overdue).map((s) => s.urn).sort();
    expect(overdue.length).toBeGreaterThan(0);
    expect(rows.map((r) => r[0]).sort()).toEqual(overdue);
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain('Overdue and why');
    expect(text).toMatch(/Attendance at (Meeting|School visit|Workshop) \d+ of \d+ on \w+day \d+ \w+ 2026, [\d.]+(am|pm) has not been recorded\./);
    expect(text).toContain('end-of-year evaluation for Primary Teaching for Mastery Development Work Group 2025/26 has not been submitted');
    // Due this week, from the service clock (Tuesday 10 November 2026), in words.
    expect(text).toMatch(/Due this week\s*Thursday 12 November 2026, 9am\s*(Workshop|Meeting) 2 of 6 at The Minster School/);
    expect(text).toContain('Grants paid and due in 2026/27');
    expect(text).toContain('£2,000');
    // Never internal ids or event names.
    expect(text).not.toMatch(/[a-z]+-[a-z]+-\d{4}-\d{2}\.(meeting|workshop|visit)-\d+|ATTENDANCE_RECORDED|GAP_TASK|emeast-/);
    await page.getByRole('link', { name: 'Clear filters' }).click();
    expect(await tableRows(page)).toHaveLength(all.length);
  });

  it('keeps the signed-in person’s name and menu on the page for an unknown address, with a way back to the board', async () => {
    const page = await browser.page();
    await signIn(page, web, staff, '/hub');
    const r = await page.goto(`${web.address}/hub/no-such-page`);
    expect(r?.status()).toBe(404);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Page not found');
    expect(await page.locator('.app-header').textContent()).toMatch(/Signed in as .+ \(hub staff\)/);
    expect((await page.getByRole('navigation', { name: 'Sections' }).getByRole('link').allTextContents()).map((t) => t.trim())).toContain('Hub board');
    await screenshot(page, 'not found signed in');
    await expectAccessible(page, 'not found, signed in');
    await page.getByRole('link', { name: 'Go to the hub board' }).click();
    expect(new URL(page.url()).pathname).toBe('/hub');
  });

  it('sorts by a column heading, both ways, and says so to screen readers', async () => {
    const page = await browser.page();
    await signIn(page, web, staff, '/hub');
    await page.locator('main table th').getByRole('link', { name: 'School' }).click();
    expect(new URL(page.url()).searchParams.get('sort')).toBe('name');
    const names = (await tableRows(page)).map((r) => r[1]!);
    expect(names).toEqual([...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    expect(await page.locator('th[aria-sort="ascending"]').textContent()).toContain('School');
    await page.locator('main table th').getByRole('link', { name: /School/ }).click();
    expect(new URL(page.url()).searchParams.get('order')).toBe('desc');
    const down = (await tableRows(page)).map((r) => r[1]!);
    expect(down).toEqual([...names].reverse());
    expect(await page.locator('th[aria-sort="descending"]').textContent()).toContain('School');
  });

  it('sorts by Overdue with the overdue schools first, then last; by route and work group as the columns show them, schools A to Z within', async () => {
    const page = await browser.page();
    await signIn(page, web, staff, '/hub');
    const heads = page.locator('main table th');
    const byName = (a: string, b: string) => a.localeCompare(b, 'en-GB', { sensitivity: 'base' });

    // Overdue: one select puts the overdue schools at the top, and says so as "descending" (overdue before not).
    await heads.getByRole('link', { name: 'Overdue' }).click();
    expect(new URL(page.url()).searchParams.get('sort')).toBe('overdue');
    let rows = await tableRows(page);
    const flags = rows.map((r) => r[7] === 'Overdue');
    expect(flags[0], rows.map((r) => `${r[1]}: ${r[7]}`).join('; ')).toBe(true);
    expect(flags).toContain(false);
    expect(flags).toEqual([...flags].sort((a, b) => Number(b) - Number(a)));
    expect(await page.locator('th[aria-sort="descending"]').textContent()).toContain('Overdue');
    expect(await page.locator('main table caption').textContent()).toContain('sorted by overdue schools first');
    const overdueNames = rows.filter((r) => r[7] === 'Overdue').map((r) => r[1]!);
    expect(overdueNames).toEqual([...overdueNames].sort(byName));
    // Again: the overdue schools last.
    await heads.getByRole('link', { name: /Overdue/ }).click();
    rows = await tableRows(page);
    expect(rows.at(-1)![7]).toBe('Overdue');
    expect(rows[0]![7]).toBe('No');
    expect(await page.locator('th[aria-sort="ascending"]').textContent()).toContain('Overdue');

    // Route: by the route shown (Primary, then Secondary), not by the programme's name; schools A to Z within each.
    await heads.getByRole('link', { name: 'Route' }).click();
    expect(new URL(page.url()).searchParams.get('sort')).toBe('route');
    rows = await tableRows(page);
    const routeKey = (r: string[]) => `${r[4] === '–' ? 'zz' : r[4]}|${r[1]!.toLowerCase()}`;
    expect(rows.map((r) => `${r[4]} ${r[1]}`)).toEqual([...rows].sort((a, b) => byName(routeKey(a), routeKey(b))).map((r) => `${r[4]} ${r[1]}`));
    expect(new Set(rows.map((r) => r[4]))).toEqual(new Set(['Primary', 'Secondary']));

    // Work group: by the name shown ("Development 2026/27, group 1"), schools with none last; A to Z within a group.
    await heads.getByRole('link', { name: 'Work group' }).click();
    expect(new URL(page.url()).searchParams.get('sort')).toBe('group');
    rows = await tableRows(page);
    const groups = rows.map((r) => r[6]!);
    expect(new Set(groups.filter((g) => g !== '–')).size).toBeGreaterThan(2);
    const shown = groups.filter((g) => g !== '–');
    expect(shown).toEqual([...shown].sort((a, b) => a.localeCompare(b, 'en-GB', { numeric: true, sensitivity: 'base' })));
    expect(groups.slice(shown.length).every((g) => g === '–')).toBe(true);
    for (const g of new Set(shown)) {
      const names = rows.filter((r) => r[6] === g).map((r) => r[1]!);
      expect(names, g).toEqual([...names].sort(byName));
    }
    expect(await page.locator('main table caption').textContent()).toContain('sorted by work group');
    await expectAccessible(page, 'hub board sorted by work group');
  });

  it('says when a filter value is not recognised, and does not filter by it', async () => {
    const all = (await web.api<{ schools: School[] }>('GET', `/schools?hub=${HUB}`)).body.schools;
    const page = await browser.page();
    await signIn(page, web, staff, '/hub');
    const res = await page.goto(`${web.address}/hub?status=bogus&phase=readiness#schools`);
    expect(res?.status()).toBe(400);
    expect(await page.title()).toMatch(/^Error: /);
    const summary = ((await page.locator('.govuk-error-summary').textContent()) ?? '').replace(/\s+/g, ' ');
    expect(summary).toContain('“bogus” is not a status, so the schools are not filtered by status. Select a status from the list');
    expect(await page.locator('.govuk-error-summary a').first().getAttribute('href')).toBe('#status');
    expect(await page.locator('#status-error').textContent()).toContain('“bogus” is not a status');
    expect(await page.locator('#status').inputValue()).toBe('');
    // The phase, which it knows, still filters; the count says how many Readiness schools of every status.
    const readiness = all.filter((s) => s.phase === 'readiness');
    expect(await page.locator('#phase').inputValue()).toBe('readiness');
    expect(await tableRows(page)).toHaveLength(readiness.length);
    expect(await page.locator('#table-count').textContent()).toContain(`of ${readiness.length} schools that match`);
    await expectAccessible(page, 'hub board unknown filter');

    // Nothing else set: the whole hub, not "No schools match".
    await page.goto(`${web.address}/hub?group=no-such-group&overdue=maybe`);
    const text = ((await page.locator('.govuk-error-summary').textContent()) ?? '').replace(/\s+/g, ' ');
    expect(text).toContain('“no-such-group” is not a work group of this hub');
    expect(text).toContain('“maybe” is not a choice for overdue');
    expect(await tableRows(page)).toHaveLength(all.length);
    expect(await page.locator('#table-count').textContent()).not.toContain('match');
    // Another hub's work group is not one of this hub's.
    const north = await web.api('POST', '/groups', { programmeId: 'primary-readiness-2026-27', hub: 'great-north', lead: { name: 'Nell North', email: 'nell@north.example' } });
    expect(north.status, JSON.stringify(north.body)).toBe(201);
    await page.goto(`${web.address}/hub?group=${(north.body as { id: string }).id}`);
    expect(await page.locator('#group-error').count()).toBe(1);

    // A status the pathway has that no school of the hub is in now: filtered by it, and the filter shows it.
    const none = ['evaluating', 'completed', 'deferred', 'withdrawn', 'declined', 'waitlisted', 'selected'].find((x) => !all.some((s) => s.status === x));
    expect(none, 'a status no demo school is in').toBeDefined();
    const ok = await page.goto(`${web.address}/hub?status=${none}`);
    expect(ok?.status()).toBe(200);
    expect(await page.locator('.govuk-error-summary').count()).toBe(0);
    expect(await page.locator('#status').inputValue()).toBe(none);
    expect(await page.locator('#table-count').textContent()).toContain('No schools match these filters.');
  });

  it('shows the headteacher who missed the first workshop on the board and the school page, to follow up', async () => {
    const page = await browser.page();
    await signIn(page, web, staff, '/hub');
    const section = page.locator('#follow-up + p + dl');
    const row = section.locator('.govuk-summary-list__row', { hasText: 'Hollybrook Primary School' });
    expect((await row.textContent())!.replace(/\s+/g, ' ')).toMatch(/The headteacher did not attend Workshop 1 of 6 on \w+day \d+ \w+ 2026, [\d.]+(am|pm), which the programme asks them to attend\. The hub lead was told\./);
    // Its partner school's headteacher came: not listed.
    expect(await section.textContent()).not.toContain('Forest Town');
    await row.getByRole('link', { name: 'Hollybrook Primary School' }).click();
    expect(new URL(page.url()).pathname).toBe('/hub/schools/100005');
    const followUp = ((await page.locator('#follow-up').textContent()) ?? '').replace(/\s+/g, ' ');
    expect(followUp).toContain('To follow up');
    expect(followUp).toMatch(/The headteacher, \S+ \S+, did not attend Workshop 1 of 6 on/);
    await expectAccessible(page, 'school page headteacher missed the first workshop');
    await page.locator('#follow-up').getByRole('link', { name: 'See the attendance at Workshop 1 of 6' }).click();
    expect(await page.locator('h1').textContent()).toBe('Workshop 1 of 6');
    // Forest Town's page has nothing to follow up.
    await page.goto(`${web.address}/hub/schools/100006`);
    expect(await page.locator('#follow-up').count()).toBe(0);
  });

  it('shows a school page: who and where, the timeline with payments, what is coming up and the pathway chart', async () => {
    const page = await browser.page();
    await signIn(page, web, staff, '/hub/schools/100004');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Riverside Academy');
    const main = (await page.locator('main').textContent()) ?? '';
    for (const words of ['URN', '100004', 'Mark Ellison', 'Lead teacher 1', 'Gareth Milburn', 'Work group', 'Development', 'Taking part', 'Meetings attended']) expect(main).toContain(words);
    // The timeline in words: what, when, when recorded, who, rules version; the grant as a dated entry.
    const timeline = page.locator('#timeline');
    expect(await timeline.textContent()).toContain('Commitment signed');
    expect(await timeline.textContent()).toMatch(/Attendance recorded for Meeting 1 of 6/);
    // The rules version the demo's events were decided under: this build's (pathway@1.1.0 when written).
    expect(await timeline.textContent()).toContain(`by Demo set-up · rules version ${MACHINE_VERSION.replace(/^pathway@/, '')}`);
    const payment = timeline.locator('.app-timeline__item--payment');
    expect(await payment.count()).toBe(1);
    expect(await payment.textContent()).toContain('Grant paid: £2,000');
    expect(await page.locator('.app-due').first().textContent()).toContain('Thursday 12 November 2026, 9am');
    expect(await page.locator('.app-due').first().textContent()).toMatch(/Monday 4 January 2027, 9amReminder email to the school: Meeting 3 of 6 in 10 days/);
    // The chart: an accessible SVG with the current step marked and the walked path.
    const chart = page.locator('.app-chart svg[role="img"]');
    expect(await chart.count()).toBe(1);
    expect(await chart.locator('title').textContent()).toContain('Where the school is');
    expect(await chart.locator('[aria-current="step"]').count()).toBe(1);
    expect(await chart.locator('.pathway-chart-step.visited').count()).toBeGreaterThan(1);
    expect(main).not.toMatch(/\.(meeting|workshop|visit)-\d+|ATTENDANCE_RECORDED|COMMITMENT_SIGNED|pathway@/);
    await expectAccessible(page, 'school page staff');
  });

  it('gives a school’s timeline a school year at a time: this year open, each earlier year folded under its year and phases', async () => {
    const page = await browser.page();
    // Minster Hill: applied in 2023/24, Development 2024/25, Embedding 2025/26, Sustaining now (the demo's clock is in 2026/27).
    await signIn(page, web, staff, '/hub/schools/100002');
    const timeline = page.locator('#timeline');
    const open = timeline.locator('h3');
    expect(await open.count()).toBe(1);
    expect((await open.textContent())?.replace(/\s+/g, ' ').trim()).toMatch(/^2026\/27: Sustaining · \d+ entries$/);
    const earlier = await timeline.locator('details summary').allTextContents();
    expect(earlier.map((t) => t.replace(/\s+/g, ' ').trim().replace(/ · \d+ entries$/, ''))).toEqual(['2025/26: Embedding', '2024/25: Development', '2023/24: Development']);
    // Folded, not gone: an earlier year's entries are read by opening it.
    const lastYear = timeline.locator('details').first();
    expect(await lastYear.getByText('End-of-year evaluation submitted').first().isVisible()).toBe(false);
    await lastYear.locator('summary').click();
    expect(await lastYear.getByText('End-of-year evaluation submitted').first().isVisible()).toBe(true);
    await expectAccessible(page, 'school page timeline by year');
  });

  it('says where a work group that moved on with its school began: Sustaining now, the group made for Development two years ago', async () => {
    const page = await browser.page();
    await signIn(page, web, staff, '/hub/schools/100002');
    const row = page.locator('.govuk-summary-list__row', { has: page.locator('dt', { hasText: 'Work group' }) });
    const words = ((await row.locator('dd').textContent()) ?? '').replace(/\s+/g, ' ').trim();
    const st = await web.api<{ summary: { phase: string; academicYear: string } }>('GET', '/schools/100002');
    expect(st.body.summary.phase).toBe('sustaining');
    const started = shiftYear(st.body.summary.academicYear, -2);
    expect(words).toContain(`Development Work Group ${started}, group 1`);
    expect(words).toContain(`The group has continued with the school since Development ${started}.`);
    // The group's own page says it went on past the year it was made for.
    await row.getByRole('link').click();
    const year = page.locator('.govuk-summary-list__row', { has: page.locator('dt', { hasText: 'Academic year' }) });
    expect(((await year.locator('dd').textContent()) ?? '').trim()).toBe(`${started}, continued with its schools to ${st.body.summary.academicYear}`);
    // A school in the phase and year its group was made for says nothing more.
    await page.goto(`${web.address}/hub/schools/100004`);
    expect(await page.locator('.govuk-summary-list__row', { has: page.locator('dt', { hasText: 'Work group' }) }).textContent()).not.toContain('continued');
  });

  it('records a gap task end to end with the version as If-Match, and shows bad input with the values kept', async () => {
    const page = await browser.page();
    await signIn(page, web, staff, '/hub/schools/100005');
    // A Readiness school attends workshops, not meetings.
    expect(await page.locator('main').textContent()).toMatch(/Workshops attended\s*\d of 6 needed/);
    const before = (await web.api<{ version: number }>('GET', '/schools/100005')).body.version;
    expect(await page.locator('form[action$="/gap-task"] input[name="version"]').inputValue()).toBe(String(before));

    // Nothing entered: the error summary and the field's own message; nothing written.
    await page.getByText('Record a completed gap task').click();
    expect(await page.locator('#task-hint').textContent()).toContain('For example, the work set after workshop 2.');
    await page.getByRole('button', { name: 'Record the gap task' }).click();
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('Enter what the gap task was');
    expect(await page.locator('.govuk-error-summary a').first().getAttribute('href')).toBe('#task');
    expect(await page.locator('#task-error').textContent()).toContain('Enter what the gap task was');
    expect(await page.title()).toMatch(/^Error: /);
    await expectAccessible(page, 'school page form error');
    expect((await web.api<{ version: number }>('GET', '/schools/100005')).body.version).toBe(before);

    // Release days that are not a number: refused, the value kept.
    await page.getByText('Record teacher release days').click();
    await page.fill('#days', 'two');
    await page.getByRole('button', { name: 'Record release days' }).click();
    expect(await page.locator('#days-error').textContent()).toContain('Release days must be a number');
    expect(await page.locator('#days').inputValue()).toBe('two');

    await page.getByText('Record a completed gap task').click();
    await page.fill('#task', 'Fractions on a number line, after workshop 2');
    await page.getByRole('button', { name: 'Record the gap task' }).click();
    expect(new URL(page.url()).pathname).toBe('/hub/schools/100005');
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('Gap task recorded');
    expect(await page.locator('.app-timeline__item').first().textContent()).toContain('Fractions on a number line, after workshop 2');
    expect(await page.locator('main').textContent()).toMatch(/Gap tasks\s*1 task recorded/);
    const after = await web.api<{ version: number }>('GET', '/schools/100005');
    expect(after.body.version).toBe(before + 1);
  });

  it('replaces a lead teacher: the other lead teacher’s address is refused on the field; a new person is named in the banner and the timeline', async () => {
    const page = await browser.page();
    await signIn(page, web, staff, '/hub/schools/100006');
    const replace = async (name: string, email: string) => {
      // The form comes back open after a refusal.
      if ((await page.locator('details#action-teacher').getAttribute('open')) === null) await page.getByText('Replace a lead teacher').click();
      await page.getByLabel('Lead teacher 2: Ellie Walsh').check();
      await page.fill('#name', name);
      await page.fill('#email', email);
      await page.fill('#role', 'year 4 teacher');
      await page.getByRole('button', { name: 'Replace the lead teacher' }).click();
    };
    await replace('Sam Okoro', 's.okoro@forest-town-primary-school.example');
    expect(await page.locator('#email-error').textContent()).toContain('the school’s two lead teachers must be different people');
    expect(await page.locator('#name').inputValue()).toBe('Sam Okoro');
    await replace('Rosie Lamb', 'r.lamb@forest-town-primary-school.example');
    const banner = ((await page.locator('.govuk-notification-banner').textContent()) ?? '').replace(/\s+/g, ' ');
    expect(banner).toContain('Lead teacher 2 replaced');
    expect(banner).toContain('Rosie Lamb is now lead teacher 2, and gets the school’s reminders from now on.');
    expect(await page.locator('.app-timeline__item').first().textContent()).toContain('Lead teacher 2, Ellie Walsh, replaced by Rosie Lamb');
    await expectAccessible(page, 'school page teacher replaced');
  });

  it('signs a commitment: a missing signature is refused in words (422) with the form kept as ticked, all signatures accepted', async () => {
    // Brook Lane (waiting list) gets a place, so its commitment is next.
    const sel = await web.api('POST', '/applications/100009/select', { groupId: 'emeast-readiness-2026-1' });
    expect(sel.status, JSON.stringify(sel.body)).toBe(200);
    // It joins a group whose year has begun: its checks on the workshops already past fire now, before the version is read.
    await web.tick(web.service.now());
    const page = await browser.page();
    await signIn(page, web, staff, '/hub/schools/100009');
    const version = (await web.api<{ version: number }>('GET', '/schools/100009')).body.version;
    await page.locator('summary', { hasText: 'Record the signed commitment' }).click();
    await page.getByLabel('Headteacher', { exact: true }).check();
    const [res] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Record the signed commitment' }).click()]);
    expect(res.status()).toBe(422);
    // The rules' reason as the form's error (summary and at the checkboxes), the form open as it was ticked, the focus on the summary.
    const summary = (await page.locator('.govuk-error-summary').textContent()) ?? '';
    expect(summary).toContain('The commitment still needs the signature of: lead teacher 1, lead teacher 2.');
    expect(summary).not.toMatch(/COMMITMENT_SIGNED|teacher1|\(rule/);
    expect(await page.locator('.govuk-error-summary a').getAttribute('href')).toBe('#signatories');
    expect(await page.locator('#signatories-error').textContent()).toContain('The commitment still needs the signature of');
    expect(await page.locator('#action-commitment').getAttribute('open')).not.toBeNull();
    expect(await page.getByLabel('Headteacher', { exact: true }).isChecked()).toBe(true);
    expect(await page.getByLabel('Lead teacher 1', { exact: true }).isChecked()).toBe(false);
    await page.waitForFunction(() => document.activeElement?.classList.contains('govuk-error-summary'), null, { timeout: 5_000 });
    await expectAccessible(page, 'school page commitment refused');
    expect((await web.api<{ version: number }>('GET', '/schools/100009')).body.version).toBe(version);

    for (const who of ['Headteacher', 'Lead teacher 1', 'Lead teacher 2']) await page.getByLabel(who, { exact: true }).check();
    await page.getByRole('button', { name: 'Record the signed commitment' }).click();
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('Signed commitment recorded');
    expect(await page.locator('main').textContent()).toContain('Taking part');
    const s = await web.api<{ summary: { status: string } }>('GET', '/schools/100009');
    expect(s.body.summary.status).toBe('active');
  });

  it('defers to a year the catalogue does not hold yet only knowingly, and then says why the school cannot resume, with no button that would fail', async () => {
    const page = await browser.page();
    await signIn(page, web, staff, '/hub/schools/100008');
    await page.locator('summary', { hasText: 'Defer to a later year' }).click();
    const options = await page.getByLabel('Which year will it start again?').locator('option').allTextContents();
    expect(options).toContain('2027/28 (its rules are not in the catalogue yet)');
    await page.getByLabel('Why is the school deferring?').fill('the maths lead is on leave this year');
    await page.getByLabel('Which year will it start again?').selectOption('2027/28');
    await page.getByRole('button', { name: 'Defer the school' }).click();
    expect((await web.api<{ summary: { status: string } }>('GET', '/schools/100008')).body.summary.status).toBe('deferred');
    // It said "Resume the school in 2027/28", and the button was refused: "the catalogue has no secondary development programme for 2027/28: school … cannot resume".
    const main = (await page.locator('main').textContent())!.replace(/\s+/g, ' ');
    expect(main).toContain('The catalogue has no Readiness programme for 2027/28 yet, so the school cannot start again until that year’s rules are added.');
    expect(await page.getByRole('button', { name: /Resume the school/ }).count()).toBe(0);
    await expectAccessible(page, 'school page deferred past the catalogue');
  });

  it('shows a stale If-Match as the conflict page: fresh school, a plain banner, nothing saved', async () => {
    const page = await browser.page();
    await signIn(page, web, staff, '/hub/schools/100006');
    await page.getByText('Record a completed gap task').click();
    await page.fill('#task', 'Written on the page, never saved');
    // Someone else changes the school meanwhile.
    const other = await web.api<{ version: number }>('POST', '/schools/100006/gap-tasks', { task: 'Recorded by someone else' });
    expect(other.status).toBe(200);
    const [res] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Record the gap task' }).click()]);
    expect(res.status()).toBe(409);
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('Someone else changed this school while you were looking at it, so nothing was saved');
    // The fresh page: the other change shows, with the new version in its forms.
    expect(await page.locator('#timeline').textContent()).toContain('Recorded by someone else');
    expect(await page.locator('#timeline').textContent()).not.toContain('Written on the page, never saved');
    expect(await page.locator('form[action$="/gap-task"] input[name="version"]').inputValue()).toBe(String(other.body.version));
    // What was typed is still in the form, open, to check and send again.
    expect(await page.locator('#action-gap-task').getAttribute('open')).not.toBeNull();
    expect(await page.locator('#task').inputValue()).toBe('Written on the page, never saved');
    expect((await web.api<{ version: number }>('GET', '/schools/100006')).body.version).toBe(other.body.version);
    await expectAccessible(page, 'school page conflict');
  });

  it('refuses a hub-B school and hub B’s board to hub-A staff, showing none of its data', async () => {
    const page = await browser.page();
    await signIn(page, web, staff, '/hub');
    const res = await page.goto(`${web.address}/hub/schools/300001`);
    // Answered exactly as a URN that does not exist (d8867e8), so the refusal does not confirm the URN.
    expect(res?.status()).toBe(404);
    const refusal = (await page.locator('main').textContent()) ?? '';
    expect((await page.goto(`${web.address}/hub/schools/399999`))?.status()).toBe(404);
    expect(refusal).toBe(((await page.locator('main').textContent()) ?? '').replaceAll('399999', '300001'));
    await page.goto(`${web.address}/hub/schools/300001`);
    const html = await page.content();
    expect(html).not.toContain('Secret Northern Academy');
    expect(html).not.toContain('Great North');
    const board = await page.goto(`${web.address}/hub?hub=great-north`);
    expect(board?.status()).toBe(403);
    expect(await page.content()).not.toContain('Secret Northern Academy');
    // Hub B's own staff see it, and not hub A's schools.
    const pageB = await browser.page();
    await signIn(pageB, web, staffB, '/hub');
    expect(await pageB.locator('main table').textContent()).toContain('Secret Northern Academy');
    expect(await pageB.locator('main').textContent()).not.toContain('Riverside Academy');
    // Another hub's school is answered as a URN that does not exist (issue 12: a refusal must not confirm the URN).
    expect((await pageB.goto(`${web.address}/hub/schools/100004`))?.status()).toBe(404);
  });

  it('lets an auditor read the board and a school with no actions, and refuses a write they post (403)', async () => {
    const page = await browser.page();
    await signIn(page, web, auditor, '/hub');
    expect(await tableRows(page)).not.toHaveLength(0);
    await expectAccessible(page, 'hub board auditor');
    await page.goto(`${web.address}/hub/schools/100004`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Riverside Academy');
    expect(await page.locator('main form[method="post"]').count()).toBe(0);
    expect(await page.locator('main').textContent()).not.toContain('What you can do now');
    await expectAccessible(page, 'school page auditor');
    const before = (await web.api<{ version: number }>('GET', '/schools/100004')).body.version;
    // The auditor's own session and CSRF token (from the sign-out form), posting a gap task by hand.
    const token = await page.locator('input[name="_csrf"]').first().inputValue();
    const out = await page.evaluate(async ({ token, version }) => {
      const r = await fetch('/hub/schools/100004/gap-task', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: token, version: String(version), task: 'auditor write' }).toString() });
      return { status: r.status, text: await r.text() };
    }, { token, version: before });
    expect(out.status).toBe(403);
    expect(out.text).toContain('Auditors can look at schools but cannot change anything');
    expect((await web.api<{ version: number }>('GET', '/schools/100004')).body.version).toBe(before);
  });

  it('gives an admin a hub switcher, and pages the table 50 at a time with links that keep the filters', async () => {
    for (let i = 0; i < 45; i++) {
      const r = await web.api('POST', '/applications', form(String(200100 + i), `Paging Primary School ${String(i + 1).padStart(2, '0')}`));
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
    const total = (await web.api<{ schools: School[] }>('GET', `/schools?hub=${HUB}`)).body.schools.length;
    expect(total).toBeGreaterThan(50);
    const page = await browser.page();
    await signIn(page, web, web.adminToken, `/hub?hub=${HUB}`);
    await expectAccessible(page, 'hub board admin');
    expect(await tableRows(page)).toHaveLength(50);
    expect(await page.locator('#table-count').textContent()).toContain(`Showing 1 to 50 of ${total} schools`);
    const nav = page.locator('nav.govuk-pagination');
    await nav.getByRole('link', { name: /Next/ }).click();
    const url = new URL(page.url());
    expect(url.searchParams.get('page')).toBe('2');
    expect(url.searchParams.get('hub')).toBe(HUB);
    expect(await tableRows(page)).toHaveLength(total - 50);
    expect(await page.locator('#table-count').textContent()).toContain(`Showing 51 to ${total} of ${total}`);
    expect(await page.locator('.govuk-pagination__item--current').textContent()).toContain('2');

    // A filter narrows to one page: no pagination.
    await page.goto(`${web.address}/hub?hub=${HUB}&status=applied`);
    const applied = (await web.api<{ schools: School[] }>('GET', `/schools?hub=${HUB}&status=applied`)).body.schools.length;
    expect(await tableRows(page)).toHaveLength(Math.min(50, applied));

    // The hub switcher: a GET form of every hub.
    await page.goto(`${web.address}/hub?hub=${HUB}`);
    await page.selectOption('#hub-switcher', 'great-north');
    await page.getByRole('button', { name: 'Show this hub' }).click();
    expect(new URL(page.url()).searchParams.get('hub')).toBe('great-north');
    expect(await page.locator('.app-header').textContent()).toContain('Great North Maths Hub');
    expect(await tableRows(page)).toEqual([expect.arrayContaining(['300001', 'Secret Northern Academy'])]);
    await page.goto(`${web.address}/hub/schools/100004`);
    await expectAccessible(page, 'school page admin');
  });

  it('asks someone signed out who follows an email’s link to sign in, then takes them to the school’s “What is overdue”', async () => {
    const page = await browser.page();
    await page.goto(`${web.address}/hub/schools/100004#overdue`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    expect(await page.locator('.govuk-inset-text').textContent()).toContain('Sign in to see the page you asked for');
    await expectAccessible(page, 'sign in on the way to a page');
    await page.getByLabel('Sign-in key').fill(staff);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState('domcontentloaded');
    expect(new URL(page.url()).pathname).toBe('/hub/schools/100004');
    // Signing in from the start page says nothing of a page asked for.
    await page.context().clearCookies();
    await page.goto(`${web.address}/sign-in`);
    expect(await page.locator('.govuk-inset-text').count()).toBe(0);
  });

  it('says on the school page what is overdue, links to where it is put right, and clears it once attendance is recorded', async () => {
    const all = (await web.api<{ schools: School[] }>('GET', `/schools?hub=${HUB}`)).body.schools;
    const late = all.find((x) => x.overdue && x.status !== 'overdue');
    const evaluation = all.find((x) => x.status === 'overdue');
    expect(late, 'a demo school with attendance not recorded').toBeDefined();
    expect(evaluation, 'a demo school with its evaluation overdue').toBeDefined();

    const page = await browser.page();
    await signIn(page, web, staff, `/hub/schools/${evaluation!.urn}`);
    // One tag: "Evaluation overdue" says it; the section says what and where to record it.
    expect(await page.locator('main .govuk-tag', { hasText: /overdue/i }).allTextContents()).toEqual(['Evaluation overdue']);
    expect(await page.locator('#overdue').textContent()).toMatch(/The end-of-year evaluation for .+ has not been submitted, and the year has ended\./);
    await page.locator('#overdue').getByRole('link', { name: 'Record the end-of-year evaluation' }).click();
    expect(await page.locator('#action-evaluation').getAttribute('open')).not.toBeNull();
    expect(await page.getByRole('button', { name: 'Record the evaluation as submitted' }).isVisible()).toBe(true);

    await page.goto(`${web.address}/hub/schools/${late!.urn}`);
    expect(await page.locator('main .govuk-tag', { hasText: /overdue/i }).allTextContents()).toEqual(['Something overdue']);
    const why = (await page.locator('#overdue').textContent()) ?? '';
    const session = /Attendance at (.+? \d+ of \d+) on .+ has not been recorded\./.exec(why)?.[1];
    expect(session, why).toBeDefined();
    await expectAccessible(page, 'school page with something overdue');
    await page.locator('#overdue').getByRole('link', { name: `Record attendance at ${session}` }).click();
    expect(await page.locator('h1').textContent()).toBe(session);
    const fieldset = page.locator('fieldset', { hasText: late!.name });
    await fieldset.getByRole('checkbox').first().check();
    await page.getByRole('button', { name: 'Record attendance' }).click();
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain(`Attendance recorded for ${late!.name}`);

    await page.goto(`${web.address}/hub/schools/${late!.urn}`);
    expect(await page.locator('#overdue').count()).toBe(0);
    expect(await page.locator('main .govuk-tag', { hasText: /overdue/i }).count()).toBe(0);
    expect((await web.api<{ summary: School }>('GET', `/schools/${late!.urn}`)).body.summary.overdue).toBe(false);
  });
});
