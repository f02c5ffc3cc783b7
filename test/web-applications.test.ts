/**
 * The applications pages in a real browser, on the demo hub: the list with
 * its filters and form checks, an application decided end to end (assess,
 * select; decline with an alternative), bad input shown with the error
 * summary and nothing written, a rule's refusal in words (422), a stale page
 * shown as a conflict (409) with the fresh state, and an auditor who can read
 * but whose posts are refused. axe on every page as hub staff and auditor.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { expectAccessible, signIn, useBrowser, useWebService } from './helpers/browser.js';
import { validateForm } from '../domain/forms/index.js';
import { problemWords } from '../web/applications/words.js';

const HUB = 'east-midlands-east';

interface School {
  summary: { status: string; groupId: string | null; reason: string | null; alternativeOffered: string | null };
  version: number;
}

/** A paper application from a school new to the hub: valid, with one warning (no postcode in the address). */
function elmTreeForm() {
  const form = JSON.parse(readFileSync(join(process.cwd(), 'examples/forms/primary-readiness-2020.json'), 'utf8'));
  form.submittedOn = '2026-06-10';
  form.school = { ...form.school, name: 'Elm Tree Primary School', urn: '100012', address: 'Elm Tree Road, Mansfield, Nottinghamshire', hub: 'East Midlands East Maths Hub' };
  form.group = { applying: false, schools: [] };
  return form;
}

describe('hub web: applications', () => {
  const web = useWebService();
  const browser = useBrowser();
  let staff = '';
  let auditor = '';

  const school = async (urn: string) => (await web.api<School>('GET', `/schools/${urn}`)).body;

  beforeAll(async () => {
    staff = await web.addUser({ name: 'Priya Shah', role: 'hub_staff', hubs: [HUB] });
    auditor = await web.addUser({ name: 'Alex Auditor', role: 'auditor', hubs: [HUB] });
    const r = await web.api('POST', '/applications?programme=primary-readiness-2026-27', elmTreeForm());
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  }, 60_000);

  const open = async (token: string, path: string): Promise<Page> => {
    const page = await browser.page();
    await signIn(page, web, token, path);
    return page;
  };

  it('lists the hub’s applications with their status, date and form check, filtered by status', async () => {
    const page = await open(staff, '/hub/applications');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Applications');
    const table = page.locator('table');
    const text = (await table.textContent()) ?? '';
    for (const name of ['Castle Primary School', 'Brook Lane Primary School', 'Elm Tree Primary School']) expect(text).toContain(name);
    const castle = page.locator('tr', { hasText: 'Castle Primary School' });
    expect(await castle.textContent()).toContain('Application received');
    expect(await castle.textContent()).toContain('1 Jun 2026');
    expect(await castle.textContent()).toContain('No form on file');
    const elm = page.locator('tr', { hasText: 'Elm Tree Primary School' });
    expect(await elm.textContent()).toContain('10 Jun 2026');
    expect(await elm.textContent()).toContain('Not yet assessed (claims 3 criteria)');
    expect(await page.locator('tr', { hasText: 'Brook Lane Primary School' }).textContent()).toContain('Eligible');
    expect(await elm.textContent()).toContain('Warning: The school’s address should include the postcode');
    // The programme once, its year in the Year column.
    expect(await elm.locator('td').evaluateAll((tds) => tds.slice(0, 3).map((td) => td.textContent?.trim()))).toEqual([expect.stringContaining('Elm Tree Primary School'), 'Primary Mastery Readiness Work Group', '2026/27']);
    expect(text).not.toMatch(/rules carried forward|school\.address|primary-readiness-2026-27/);
    await expectAccessible(page, 'applications list');

    await page.getByLabel('Status').selectOption('waitlisted');
    await page.getByRole('button', { name: 'Show applications' }).click();
    expect(new URL(page.url()).searchParams.get('status')).toBe('waitlisted');
    const rows = page.locator('tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('Brook Lane Primary School');
    expect(await page.getByLabel('Status').inputValue()).toBe('waitlisted');
  });

  it('assesses Castle Primary, refusing a missing answer with the error summary, then selects it into a work group', async () => {
    const page = await open(staff, '/hub/applications/100008');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Castle Primary School');
    expect(await page.locator('.govuk-summary-list').first().textContent()).toContain('1 June 2026');
    await expectAccessible(page, 'application to assess');
    const before = await school('100008');

    // Bad input: a criterion ticked but no answer to "eligible?": the summary names the field, the tick is kept, nothing written.
    await page.getByLabel('Has a high turnover of staff').check();
    await page.getByRole('button', { name: 'Record eligibility' }).click();
    const summary = page.locator('.govuk-error-summary');
    expect(await summary.textContent()).toContain('Select yes if the school is eligible');
    expect(await summary.locator('a').getAttribute('href')).toBe('#eligibility-eligible');
    expect(await page.locator('#eligibility-eligible-error').textContent()).toContain('Select yes if the school is eligible');
    expect(await page.getByLabel('Has a high turnover of staff').isChecked()).toBe(true);
    expect(await page.title()).toMatch(/^Error: /);
    await expectAccessible(page, 'application bad input');
    expect((await school('100008')).version).toBe(before.version);

    await page.getByRole('radio', { name: 'Yes' }).check();
    await page.getByRole('button', { name: 'Record eligibility' }).click();
    expect(new URL(page.url()).pathname).toBe('/hub/applications/100008');
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('Castle Primary School is eligible');
    expect(await page.locator('.govuk-tag').first().textContent()).toContain('Eligible, awaiting a place');
    expect((await school('100008')).summary.status).toBe('eligible');

    // Now the decisions of an eligible school: select, waitlist, decline.
    const group = page.getByRole('radio', { name: /Readiness 2026\/27, group 1/ });
    // Hollybrook and Forest Town: St Anne's withdrew and freed its place.
    expect(await page.locator('.govuk-radios__item', { hasText: 'Readiness 2026/27, group 1' }).textContent()).toMatch(/2 of 8 places taken/);
    await group.check();
    await expectAccessible(page, 'application to select');
    await page.getByRole('button', { name: 'Select into this group' }).click();
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('is selected into Readiness 2026/27, group 1');
    // The group's year is planned: the school joins it late, with its dates, and the banner says which have passed.
    expect(await page.locator('.govuk-notification-banner').textContent()).toMatch(/It has the group’s \d+ dates, and its headteacher and teachers are sent them\. \d+ of them had already taken place, before it joined: no attendance is expected from it at (that one|those)\./);
    await expectAccessible(page, 'application selected late');
    expect(await page.locator('.govuk-tag').first().textContent()).toContain('Selected, commitment to sign');
    expect(await page.locator('.govuk-summary-list').first().textContent()).toContain('Readiness 2026/27, group 1');
    const after = await school('100008');
    expect(after.summary.status).toBe('selected');
    expect(after.summary.groupId).toBe('emeast-readiness-2026-1');
    // No decision is left to make: no forms.
    expect(await page.locator('form.app-decision').count()).toBe(0);
  });

  it('declines Brook Lane with an alternative, after an empty reason is refused', async () => {
    const page = await open(staff, '/hub/applications/100009');
    await page.getByLabel('Alternative offered (optional)').fill('A place in the 2027/28 Readiness work group');
    await page.getByRole('button', { name: 'Decline the application' }).click();
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('Enter why the application is declined');
    expect(await page.locator('.govuk-error-summary a').getAttribute('href')).toBe('#decline-reason');
    expect(await page.getByLabel('Alternative offered (optional)').inputValue()).toBe('A place in the 2027/28 Readiness work group');
    expect((await school('100009')).summary.status).toBe('waitlisted');

    await page.getByLabel('Why is the application declined?').fill('The Readiness work group is planned without more schools this year');
    await page.getByRole('button', { name: 'Decline the application' }).click();
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('declined, with an alternative offered');
    const facts = (await page.locator('.govuk-summary-list').first().textContent()) ?? '';
    expect(facts).toContain('A place in the 2027/28 Readiness work group');
    const after = await school('100009');
    expect(after.summary.status).toBe('declined');
    expect(after.summary.alternativeOffered).toBe('A place in the 2027/28 Readiness work group');
  });

  it('shows a paper form in full, refuses eligibility without a criterion in words (422), and a stale page as a conflict (409)', async () => {
    const page = await open(staff, '/hub/applications/100012');
    const facts = (await page.locator('.app-summary--facts').textContent()) ?? '';
    expect(facts).toContain('Elm Tree Road, Mansfield');
    expect(facts).toContain('Tom Bradley');
    expect(facts).toContain('maths lead');
    expect(facts).toContain('Has been judged at RI or Inadequate');
    expect(await page.locator('body').textContent()).toContain('Warning: The school’s address should include the postcode');
    // The criteria the school claimed come ticked.
    expect(await page.getByLabel('Has a high turnover of staff').isChecked()).toBe(true);
    await expectAccessible(page, 'application paper form');

    for (const box of await page.locator('input[name="criteria"]').all()) await box.uncheck();
    await page.getByRole('radio', { name: 'Yes' }).check();
    const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/eligibility')), page.getByRole('button', { name: 'Record eligibility' }).click()]);
    expect(res.status()).toBe(422);
    const body = (await page.locator('main').textContent()) ?? '';
    expect(body).toContain('The eligibility rule: the programme takes a school that meets at least 1 of its eligibility criteria');
    expect(body).toContain('Nothing was saved');
    expect(body).not.toMatch(/ELIGIBILITY_ASSESSED|ofstedRiOrInadequate/);
    await expectAccessible(page, 'application refused');
    expect((await school('100012')).summary.status).toBe('applied');

    // Two officers on the same application: the second one's page is stale.
    const first = await open(staff, '/hub/applications/100012');
    const second = await open(staff, '/hub/applications/100012');
    await first.getByRole('radio', { name: 'Yes' }).check();
    await first.getByRole('button', { name: 'Record eligibility' }).click();
    expect((await school('100012')).summary.status).toBe('eligible');
    await second.getByLabel('Why is the application declined?').fill('Too late');
    const [conflict] = await Promise.all([second.waitForResponse((r) => r.url().endsWith('/decline')), second.getByRole('button', { name: 'Decline the application' }).click()]);
    expect(conflict.status()).toBe(409);
    expect(await second.locator('.govuk-notification-banner').textContent()).toContain('Someone else changed this application');
    expect(await second.locator('.govuk-tag').first().textContent()).toContain('Eligible, awaiting a place');
    await expectAccessible(second, 'application conflict');
    expect((await school('100012')).summary.status).toBe('eligible');
  });

  it('lets an auditor read applications with no decision forms, and refuses their posts', async () => {
    const page = await open(auditor, '/hub/applications');
    expect(await page.locator('table').textContent()).toContain('Elm Tree Primary School');
    await expectAccessible(page, 'applications list auditor');
    await page.goto(`${web.address}/hub/applications/100012`);
    expect(await page.locator('form.app-decision').count()).toBe(0);
    expect(await page.locator('main').textContent()).toContain('Only hub staff of East Midlands East Maths Hub can decide on it');
    await expectAccessible(page, 'application auditor');
    const before = await school('100012');
    const token = await page.locator('input[name="_csrf"]').first().getAttribute('value');
    const status = await page.evaluate(
      async ({ csrf, version }) => {
        const r = await fetch('/hub/applications/100012/waitlist', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, version: String(version), reason: 'auditor tries' }).toString() });
        return { status: r.status, text: await r.text() };
      },
      { csrf: token!, version: before.version },
    );
    expect(status.status).toBe(403);
    expect(status.text).toContain('You do not have access');
    expect((await school('100012')).version).toBe(before.version);
  });

  it('answers an unknown URN with a page that names it', async () => {
    const page = await open(staff, '/hub/applications/999999');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Not found');
    expect(await page.locator('main').textContent()).toContain('999999');
  });
});

describe('a form check in words', () => {
  it('names each field as the form does, with criterion and role ids, paths and ISO dates in words', () => {
    const form = JSON.parse(readFileSync(join(process.cwd(), 'examples/forms/bad-readiness.json'), 'utf8'));
    const texts = validateForm(form).problems.map((p) => problemWords(p));
    expect(texts).toContain('The second teacher’s email address must be an email address. You gave “bob@”.');
    expect(texts.join('\n')).toContain('does not name “Has been identified, by their Local Authority, as being suitable for the programme”');
    expect(texts.join('\n')).toContain('ended on 31 August 2021');
    expect(texts.join('\n')).toContain('You gave “senior leader, teacher”');
    for (const t of texts) expect(t).not.toMatch(/\b(?:teachers|statements|signatures|school|group)\.[a-z0-9]|submittedOn|namedByLocalAuthority|mathsLead|seed 00\d/);
  });
});
