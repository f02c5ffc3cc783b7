/**
 * The school page's "Action plan and leader" section in a real browser, with
 * axe: a form the rules would refuse now is not offered, and the page says in
 * the rules' words what has to happen first (the action plan before a leader
 * is allocated, the Mastery Ready judgement before the last workshop); a hub
 * with nobody of the role offers adding the person from the page; and a form
 * the rules refuse on sending comes back open, as typed, with the reason as
 * its error summary (the Mastery Ready judgement "Yes" without an action
 * plan, at the end of the Readiness year).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { expectAccessible, signIn, useBrowser, useWebService } from './helpers/browser.js';

const HUB = 'east-midlands-east';
/** The demo's Readiness school: no leader and no action plan, its workshops still to come in November. */
const HOLLYBROOK = '100005';

const words = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
const focusedClass = (page: Page) => page.evaluate(() => document.activeElement?.className ?? '');

describe('the school page offers only what the rules allow now (10 November 2026)', () => {
  const web = useWebService();
  const browser = useBrowser();
  let staff = '';

  beforeAll(async () => {
    staff = await web.addUser({ name: 'Hana Officer', role: 'hub_staff', hubs: [HUB] });
  });

  it('says what has to happen first instead of offering the action plan and the judgement; the leader is added and allocated from the page', async () => {
    const page = await browser.page();
    await signIn(page, web, staff, `/hub/schools/${HOLLYBROOK}`);
    const plan = page.locator('#action-plan');

    // Neither form is offered: the rules would refuse them whatever was typed.
    expect(await plan.locator('form[action$="/action-plan"]').count()).toBe(0);
    expect(await plan.locator('form[action$="/mastery-ready"]').count()).toBe(0);
    expect(await plan.getByText('Record the action plan on the 5 Big Ideas').count()).toBe(0);
    expect(await plan.getByText('Record the Mastery Ready judgement').count()).toBe(0);
    // Instead, what has to happen first, in the rules' own words (no rule names, seeds, event names or ISO dates).
    const first = await words(page, '.app-not-yet');
    expect(first).toContain('What has to happen first');
    expect(first).toMatch(/The action plan is made with the school’s Mastery Readiness Lead, and none is allocated for [^:]+: allocate one first\./);
    expect(first).toMatch(/The Mastery Ready judgement comes at the end of [^,]+, after its last workshop on \d{1,2} (June|July) 2027: 1 of 6 workshops held so far\./);
    expect(first).not.toMatch(/\(rule|seed 0|ACTION_PLAN|MASTERY_READY|\d{4}-\d{2}-\d{2}|carried forward/);
    await expectAccessible(page, 'school plan not yet');

    // The hub has no Readiness Lead in the service: the allocation form says so and adds one.
    await page.locator('summary', { hasText: 'Allocate the school’s Mastery Readiness Lead' }).click();
    expect(await words(page, '#action-leader')).toContain('The hub has no Mastery Readiness Lead in this service yet.');
    expect(await page.locator('#action-leader').textContent()).not.toMatch(/pathway people add|POST \/people/);
    expect(await page.locator('#personId').count()).toBe(0);
    await page.getByRole('button', { name: 'Add and allocate' }).click();
    expect(await page.title()).toMatch(/^Error: /);
    expect(await page.locator('.govuk-error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual(['#leaderName', '#leaderEmail']);
    expect(await page.locator('#leaderName-error').textContent()).toContain('Enter the full name of the person who will lead the school');
    expect(await focusedClass(page)).toContain('govuk-error-summary');
    await page.getByLabel('Mastery Readiness Lead’s full name').fill('Rosa Lindqvist');
    await page.getByLabel('Mastery Readiness Lead’s email address').fill('not an address');
    await page.getByRole('button', { name: 'Add and allocate' }).click();
    expect(await page.locator('#leaderEmail-error').textContent()).toContain('Enter an email address in the correct format');
    expect(await page.getByLabel('Mastery Readiness Lead’s full name').inputValue()).toBe('Rosa Lindqvist');
    await expectAccessible(page, 'school plan add leader error');
    // One the page's own check lets through and the service's refuses: the same words, at the field.
    await page.getByLabel('Mastery Readiness Lead’s email address').fill('r.lindqvist@emeast..example');
    await page.getByRole('button', { name: 'Add and allocate' }).click();
    expect(await page.locator('.govuk-error-summary a').evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.textContent?.trim()]))).toEqual([['#leaderEmail', 'Enter an email address in the correct format, like name@mathshub.org.uk']]);
    expect((await web.api<{ people: unknown[] }>('GET', `/people?hub=${HUB}`)).body.people).toHaveLength(0);

    await page.getByLabel('Mastery Readiness Lead’s email address').fill('r.lindqvist@emeast-mathshub.example');
    await page.getByRole('button', { name: 'Add and allocate' }).click();
    expect(new URL(page.url()).pathname).toBe(`/hub/schools/${HOLLYBROOK}`);
    expect(await words(page, '.govuk-notification-banner')).toContain('Rosa Lindqvist added to the hub’s people and allocated to lead the school');
    expect(await words(page, '#action-plan')).toMatch(/Mastery Readiness Lead Rosa Lindqvist \(since 10 November 2026\)/);
    const people = await web.api<{ people: { id: string; role: string; allocations: { urn: string }[] }[] }>('GET', `/people?hub=${HUB}`);
    expect(people.body.people.map((x) => [x.id, x.role, x.allocations.map((a) => a.urn)])).toEqual([['rosa-lindqvist', 'readinessLead', [HOLLYBROOK]]]);

    // Now the action plan can be made: its form is offered, and only the judgement is still to wait for.
    expect(await plan.locator('form[action$="/action-plan"]').count()).toBe(1);
    const still = await words(page, '.app-not-yet');
    expect(still).not.toContain('allocate one first');
    expect(still).toContain('The Mastery Ready judgement comes at the end of');
    // The person is now in the list, and someone not listed can still be added.
    await page.locator('summary', { hasText: 'Change the school’s Mastery Readiness Lead' }).click();
    expect(await page.locator('#personId option').allTextContents()).toEqual(['Choose a person', 'Rosa Lindqvist (r.lindqvist@emeast-mathshub.example)']);
    expect(await page.getByRole('button', { name: 'Add and allocate' }).count()).toBe(1);
    await expectAccessible(page, 'school plan leader allocated');

    // The same person again from the add form (same address): allocated, not added twice; the rules refuse them as already the leader, in words, the form kept.
    await page.getByLabel('Mastery Readiness Lead’s full name').fill('Rosa Lindqvist');
    await page.getByLabel('Mastery Readiness Lead’s email address').fill('R.Lindqvist@emeast-mathshub.example');
    const [res] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Add and allocate' }).click()]);
    expect(res.status()).toBe(422);
    expect(await words(page, '.govuk-error-summary')).toMatch(/Rosa Lindqvist is already the school’s Mastery Readiness Lead for [^.]+\./);
    expect(await page.locator('#action-leader').getAttribute('open')).not.toBeNull();
    expect(await page.getByLabel('Mastery Readiness Lead’s email address').inputValue()).toBe('R.Lindqvist@emeast-mathshub.example');
    expect((await web.api<{ people: unknown[] }>('GET', `/people?hub=${HUB}`)).body.people).toHaveLength(1);
  });
});

describe('a form the rules refuse on sending comes back as typed (5 July 2027, the Readiness workshops all held)', () => {
  const web = useWebService({ now: '2027-07-05T09:00:00Z' });
  const browser = useBrowser();

  it('offers the judgement, says when "Yes" would be refused, and keeps the answers with the reason when it is', async () => {
    const page = await browser.page();
    await signIn(page, web, web.adminToken, `/hub/schools/${HOLLYBROOK}`);
    expect(await words(page, 'main')).toMatch(/Workshops attended 6 of 6 needed/);
    const before = (await web.api<{ version: number }>('GET', `/schools/${HOLLYBROOK}`)).body.version;
    // The judgement's time has come: its form is offered, and it is not among what has to happen first.
    expect(await page.locator('form[action$="/mastery-ready"]').count()).toBe(1);
    expect(await words(page, '.app-not-yet')).not.toContain('Mastery Ready judgement');
    await page.locator('summary', { hasText: 'Record the Mastery Ready judgement' }).click();
    // With no action plan, only "Not yet" can be recorded, and the hint says why before anyone chooses.
    expect(await words(page, '#ready-hint')).toMatch(/“Yes” cannot be recorded now\. A school is judged Mastery Ready on the action plan it worked on, and this school has none for [^.(]+\.$/);

    // Chosen anyway, with reasons typed: refused, the form open with the choice and the reasons kept, the reason as the error.
    await page.getByLabel('Yes, Mastery Ready').check();
    const reasons = 'Both lead teachers plan in small steps, and the headteacher has seen it in every class.';
    await page.getByLabel('Reasons (optional)').fill(reasons);
    const [res] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Record the judgement' }).click()]);
    expect(res.status()).toBe(422);
    expect(await words(page, '.govuk-error-summary')).toMatch(/There is a problem A school is judged Mastery Ready on the action plan it worked on, and this school has none for [^.(]+\./);
    expect(await page.locator('.govuk-error-summary a').getAttribute('href')).toBe('#ready');
    expect(await words(page, '#ready-error')).toContain('A school is judged Mastery Ready on the action plan it worked on');
    expect(await page.locator('#action-mastery-ready').getAttribute('open')).not.toBeNull();
    expect(await page.getByLabel('Yes, Mastery Ready').isChecked()).toBe(true);
    expect(await page.getByLabel('Reasons (optional)').inputValue()).toBe(reasons);
    await page.waitForFunction(() => document.activeElement?.classList.contains('govuk-error-summary'), null, { timeout: 5_000 });
    expect(await words(page, 'main')).not.toMatch(/\(rule [a-zA-Z]+|seed 0|MASTERY_READY/);
    expect((await web.api<{ version: number }>('GET', `/schools/${HOLLYBROOK}`)).body.version).toBe(before);
    await expectAccessible(page, 'school plan judgement refused');

    // "Not yet", with the same reasons: recorded.
    await page.getByLabel('Not yet').check();
    await page.getByRole('button', { name: 'Record the judgement' }).click();
    expect(await words(page, '.govuk-notification-banner')).toContain('Mastery Ready judgement recorded');
    expect(await words(page, '#action-plan')).toMatch(/Mastery Ready Not yet, judged 5 July 2027/);
  });
});
