/**
 * "Record an application" in a real browser, on the demo hub: the programme
 * chosen from those taking applications, the Readiness form drawn with its
 * fields (criteria, NCETM usernames, group application, word limit); an
 * empty and then a bad form re-rendered with every problem in the error
 * summary (each link leading to its field), inline errors, the values kept
 * and nothing written; a valid form with a warning recorded and shown on
 * the application page; a URN already on the pathway refused on its field;
 * and an auditor refused on GET and POST. axe on every page.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import type { Page } from 'playwright-core';
import { expectAccessible, signIn, useBrowser, useWebService } from './helpers/browser.js';
import { fillSecondaryApplication } from './helpers/application-form.js';
import { fieldIdFor, fieldIds, formFromFields, formSpec, openProgrammes } from '../web/application-form.js';
import { programmeById } from '../domain/catalogue/programmes.js';

const HUB = 'east-midlands-east';

describe('application form mapping (pure)', () => {
  it('offers next year’s and this year’s programmes that take applications and are not closed', () => {
    const ids = openProgrammes('2025-06-20').map((p) => p.id);
    expect(ids).toEqual(expect.arrayContaining(['secondary-development-2025-26', 'primary-readiness-2025-26', 'secondary-development-2024-25']));
    expect(ids.some((id) => /embedding|sustaining|primary-development/.test(id))).toBe(false);
    expect(ids.indexOf('secondary-development-2025-26')).toBeLessThan(ids.indexOf('secondary-development-2024-25'));
    expect(openProgrammes('2026-11-10').map((p) => p.id)).not.toContain('secondary-development-2025-26');
  });

  it('maps a problem path to the field drawn for it', () => {
    const ids = fieldIds(formSpec(programmeById('primary-readiness-2026-27')));
    expect(fieldIdFor('teachers.1.email', ids)).toBe('teachers-1-email');
    expect(fieldIdFor('teachers.0.yearGroups.2', ids)).toBe('teachers-0-yearGroups');
    expect(fieldIdFor('teachers', ids)).toBe('teachers-0-role');
    expect(fieldIdFor('eligibility.criteria.1', ids)).toBe('eligibility-criteria');
    expect(fieldIdFor('group.schools', ids)).toBe('group-schools-0-name');
    expect(fieldIdFor('school.headteacher', ids)).toBe('school-headteacher-name');
    expect(fieldIdFor('submittedOn', ids)).toBe('programme');
  });

  it('leaves out answers hidden by a "no" and sends no signatures', () => {
    const spec = formSpec(programmeById('secondary-development-2026-27'));
    const form = formFromFields(spec, { 'masterySpecialist-workedWith': 'no', 'masterySpecialist-name': 'Left over', 'teachers-0-yearGroups': ['Y7', 'Y8'], 'school-name': '  ' }, '2026-11-10');
    expect(form.masterySpecialist).toEqual({ workedWith: false });
    expect((form.teachers as { yearGroups: string[] }[])[0]!.yearGroups).toEqual(['Y7', 'Y8']);
    expect(form.signatures).toEqual({});
    expect((form.school as Record<string, unknown>).name).toBeUndefined();
  });
});

describe('hub web: record an application', () => {
  const web = useWebService();
  const browser = useBrowser();
  let staff = '';
  let auditor = '';

  beforeAll(async () => {
    staff = await web.addUser({ name: 'Priya Shah', role: 'hub_staff', hubs: [HUB] });
    auditor = await web.addUser({ name: 'Alex Auditor', role: 'auditor', hubs: [HUB] });
  }, 60_000);

  const everySchool = async () => JSON.stringify((await web.api('GET', '/schools')).body);

  const open = async (token: string, path: string): Promise<Page> => {
    const page = await browser.page();
    await signIn(page, web, token, path);
    return page;
  };

  const readinessForm = async (page: Page) => {
    await page.getByRole('button', { name: 'Record an application' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Which programme is the school applying for?');
    // Continue with nothing chosen asks again, with the error on the question (it used to reload silently).
    await page.getByRole('button', { name: 'Continue' }).click();
    expect((await page.locator('.govuk-error-summary').textContent())!.replace(/\s+/g, ' ')).toContain('Select the programme the school is applying for');
    expect(await page.locator('.govuk-error-summary a').first().getAttribute('href')).toBe('#programme');
    expect(await page.locator('#programme-error').textContent()).toContain('Select the programme the school is applying for');
    await expectAccessible(page, 'application new no programme');
    await page.getByLabel('Primary Mastery Readiness Work Group 2026/27').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Record an application');
  };

  it('shows every problem of an empty and of a bad form at once, keeps the values and writes nothing', async () => {
    const schoolsBefore = await everySchool();
    const page = await open(staff, '/hub/applications');
    await expectAccessible(page, 'application new list button');
    await readinessForm(page);
    await expectAccessible(page, 'application new form');

    await page.getByRole('button', { name: 'Record the application' }).click();
    const summary = page.locator('.govuk-error-summary');
    await summary.waitFor();
    const links = summary.locator('a');
    expect(await links.count()).toBeGreaterThan(15);
    // Every link leads to a field on the page.
    for (const href of await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')))) {
      expect(await page.locator(href!).count(), `${href} is a field on the page`).toBe(1);
    }
    const summaryText = (await summary.textContent()) ?? '';
    expect(summaryText).toContain('Enter the school’s name');
    expect(summaryText).toMatch(/the second teacher’s email address/i);
    // Missing answers read as the rest of the service asks for them, not "… is required".
    expect(summaryText).toContain('Select whether the school is applying as a group');
    expect(summaryText).not.toMatch(/is required\b(?! when)/);
    expect(summaryText).toContain('The eligibility criteria claimed must include at least 1: select the criteria the school meets');
    expect(summaryText).toContain('Select the first teacher’s role');
    expect(await links.first().getAttribute('href')).toBe('#school-name');
    expect(summaryText).not.toMatch(/teachers\.\d|school\.name|statements\.|mathsLead|seed /);
    expect(await page.locator('#school-name-error').textContent()).toContain('Enter the school’s name');
    await expectAccessible(page, 'application new errors');

    // Fill most of it, with a few mistakes.
    await page.getByLabel('School name').fill('Willow Bank Primary School');
    await page.getByLabel('URN', { exact: true }).fill('12345');
    await page.getByLabel('Address', { exact: true }).fill('Willow Lane, Newark');
    await page.getByLabel('Phone number', { exact: true }).fill('01636 700100');
    await page.getByLabel('Local authority', { exact: true }).fill('Nottinghamshire');
    await page.getByLabel('Headteacher’s name').fill('Ruth Adeyemi');
    await page.getByLabel('Headteacher’s email address').fill('r.adeyemi@willowbank.example');
    for (const [i, who] of [[0, { name: 'Sam Patel', email: 's.patel@willowbank.example', role: 'mathsLead', y: 'Year 3' }], [1, { name: 'Jo King', email: 's.patel@willowbank.example', role: 'teacher', y: 'Year 5' }]] as const) {
      const f = page.locator('fieldset', { hasText: i === 0 ? 'First teacher' : 'Second teacher' }).first();
      await f.getByLabel('Name', { exact: true }).fill(who.name);
      await f.getByLabel('Email address').fill(who.email);
      await f.getByLabel('NCETM username').fill(who.name.replace(' ', '').toLowerCase());
      await f.getByLabel('Role').selectOption(who.role);
      await f.getByLabel(who.y).check();
    }
    await page.getByLabel('Has low progress or attainment data for mathematics across the school').check();
    await page.getByLabel('Headteacher’s statement').fill('We want to take part. Our pupils need support.');
    await page.getByRole('group', { name: 'Is the school applying as part of a group of schools?' }).getByLabel('No').check();
    await page.getByRole('button', { name: 'Record the application' }).click();
    await summary.waitFor();
    const again = (await summary.textContent()) ?? '';
    expect(again).toContain('The school’s URN must be exactly 6 digits');
    expect(again).toContain('The second teacher’s email address must differ');
    expect(again).toMatch(/statement by the headteacher must name each eligibility criterion/i);
    expect(again).not.toContain('Enter the school’s name');
    expect(await page.locator('#teachers-1-email-error').textContent()).toContain('must differ');
    // Values kept.
    expect(await page.getByLabel('School name').inputValue()).toBe('Willow Bank Primary School');
    expect(await page.locator('#teachers-0-role').inputValue()).toBe('mathsLead');
    expect(await page.locator('fieldset', { hasText: 'First teacher' }).first().getByLabel('Year 3').isChecked()).toBe(true);
    expect(await page.getByLabel('Has low progress or attainment data for mathematics across the school').isChecked()).toBe(true);
    expect(await page.getByRole('group', { name: 'Is the school applying as part of a group of schools?' }).getByLabel('No').isChecked()).toBe(true);
    // Nothing written.
    expect(await everySchool()).toBe(schoolsBefore);

    // Put it right: the address still has no postcode, a warning that does not block.
    await page.getByLabel('URN', { exact: true }).fill('100050');
    await page.locator('fieldset', { hasText: 'Second teacher' }).first().getByLabel('Email address').fill('j.king@willowbank.example');
    await page.getByLabel('Headteacher’s statement').fill('Our progress and attainment in mathematics are low, and we want to build strong foundations with the hub.');
    await page.getByRole('button', { name: 'Record the application' }).click();
    await page.waitForURL(/\/hub\/applications\/100050$/);
    const banner = (await page.locator('.govuk-notification-banner').textContent()) ?? '';
    expect(banner).toContain('Application recorded for Willow Bank Primary School (URN 100050)');
    expect(banner).toContain('a warning');
    expect(await page.locator('main').textContent()).toContain('The school’s address should include the postcode');
    await expectAccessible(page, 'application new recorded');

    const s = await web.api<{ summary: { status: string; programmeId: string; hub: string; name: string } }>('GET', '/schools/100050');
    expect(s.body.summary).toMatchObject({ status: 'applied', programmeId: 'primary-readiness-2026-27', hub: 'East Midlands East', name: 'Willow Bank Primary School' });
  });

  it('refuses a URN already on the pathway on its field, keeps the values and writes nothing', async () => {
    const before = await web.api<{ version: number }>('GET', '/schools/100001');
    const page = await open(staff, '/hub/applications/new?programme=secondary-development-2026-27');
    await fillSecondaryApplication(page, { name: 'A school already known', urn: '100001', domain: 'known' });
    await page.getByRole('button', { name: 'Record the application' }).click();
    await page.locator('.govuk-error-summary').waitFor();
    const error = (await page.locator('#school-urn-error').textContent()) ?? '';
    expect(error).toMatch(/URN 100001 is already on the pathway|refused this application/);
    expect(error).not.toMatch(/APPLY|accepted:/);
    expect(await page.locator('.govuk-error-summary a').getAttribute('href')).toBe('#school-urn');
    expect(await page.getByLabel('School name').inputValue()).toBe('A school already known');
    expect((await web.api<{ version: number }>('GET', '/schools/100001')).body.version).toBe(before.body.version);
    await expectAccessible(page, 'application new refused urn');
  });

  it('refuses an auditor on GET and POST, and shows them no button', async () => {
    const page = await open(auditor, '/hub/applications');
    expect(await page.getByText('Record an application').count()).toBe(0);
    const token = await page.locator('input[name="_csrf"]').first().getAttribute('value');
    const r = await page.goto(`${web.address}/hub/applications/new`);
    expect(r?.status()).toBe(403);
    expect(await page.locator('main').textContent()).toContain('You do not have access');
    await expectAccessible(page, 'application new auditor 403');
    const post = await page.evaluate(
      async (csrf) => {
        const res = await fetch('/hub/applications/new', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, programme: 'primary-readiness-2026-27', 'school-urn': '100060', 'school-name': 'Auditor School' }).toString() });
        return { status: res.status, text: await res.text() };
      },
      token!,
    );
    expect(post.status).toBe(403);
    expect(post.text).toContain('You do not have access');
    expect((await web.api('GET', '/schools/100060')).status).toBe(404);
  });
});
