/**
 * A whole programme year in the browser, as a hub officer does it, with no
 * API call and no CLI command to change anything (the API is only read, to
 * check what the pages did, and the test moves the service's simulated clock
 * as the months pass): record a new school's Secondary Development
 * application for 2025/26, assess it eligible, create a work group, select
 * the school into it, plan the group's year, record the signed commitment,
 * record attendance at each session as its day comes, see the grant paid on
 * the school page and in the funding ledger, record the evaluation, and move
 * the cohort on to Embedding for 2026/27 (dry run, then confirm).
 * Screenshots of the main steps with axe on each. Not pure.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DateTime } from 'luxon';
import { expectAccessible, signIn, useBrowser, useWebService } from './helpers/browser.js';
import { fillSecondaryApplication } from './helpers/application-form.js';

const HUB = 'east-midlands-east';
const URN = '100070';
const SCHOOL = 'Oakfield Academy';
const PROGRAMME = 'secondary-development-2025-26';

interface GroupJson {
  group: { id: string; name: string };
  sessions: { sessionId: string; kind: string; at: string; status: string }[];
}
interface SchoolJson {
  summary: { status: string; phase: string; academicYear: string; programmeId: string; groupId: string | null };
}

/** A London wall-clock time as an ISO instant. */
function london(iso: string): string {
  return DateTime.fromISO(iso, { zone: 'Europe/London' }).toUTC().toISO()!;
}

describe('hub web: a whole programme year in the browser', () => {
  // Monday 15 June 2026 is too late: the year run here is 2025/26, so the story starts in June 2025.
  const web = useWebService({ now: london('2025-06-16T09:00') });
  const browser = useBrowser();

  const school = async () => (await web.api<SchoolJson>('GET', `/schools/${URN}`)).body.summary;
  const banner = async (page: Page) => (await page.locator('.govuk-notification-banner').first().textContent())?.replace(/\s+/g, ' ').trim() ?? '';

  it('runs Secondary Development 2025/26 for a new school, from its application to Embedding', async () => {
    const officer = await web.addUser({ name: 'Dev Officer', role: 'hub_staff', hubs: [HUB] });
    const page = await browser.page();
    await signIn(page, web, officer, '/hub/applications');

    // 1. The application, typed in from the school's form.
    await page.getByRole('button', { name: 'Record an application' }).click();
    await page.getByLabel('Secondary Teaching for Mastery Development Work Group 2025/26').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await fillSecondaryApplication(page, { name: SCHOOL, urn: URN, domain: 'oakfield-academy' });
    await expectAccessible(page, 'year 01 application form');
    await page.getByRole('button', { name: 'Record the application' }).click();
    await page.waitForURL(new RegExp(`/hub/applications/${URN}$`));
    expect(await banner(page)).toContain(`Application recorded for ${SCHOOL} (URN ${URN})`);
    expect(await school()).toMatchObject({ status: 'applied', programmeId: PROGRAMME });

    // 2. Eligible.
    await page.getByRole('radio', { name: 'Yes' }).check();
    await page.getByRole('button', { name: 'Record eligibility' }).click();
    expect(await banner(page)).toContain(`${SCHOOL} is eligible`);
    await expectAccessible(page, 'year 02 eligible');

    // 3. A work group for the programme.
    await page.getByRole('link', { name: 'Work groups' }).first().click();
    await page.getByLabel('Programme').selectOption(PROGRAMME);
    await page.getByLabel('Lead’s name').fill('Marcus Reed');
    await page.getByLabel('Lead’s email address').fill('marcus.reed@emeast-mathshub.example');
    await page.getByLabel('Group name (optional)').fill('Secondary Development group, Lincoln');
    await page.getByRole('button', { name: 'Create work group' }).click();
    expect(await banner(page)).toContain('Work group created: Secondary Development group, Lincoln');
    const groupUrl = page.url();
    const groupId = decodeURIComponent(new URL(groupUrl).pathname.split('/').pop()!);

    // 4. The school selected into it, from its application.
    await page.goto(`${web.address}/hub/applications/${URN}`);
    await page.getByRole('radio', { name: /Secondary Development group, Lincoln/ }).check();
    await page.getByRole('button', { name: 'Select into this group' }).click();
    expect(await banner(page)).toContain(`${SCHOOL} is selected into`);
    expect((await school()).groupId).toBe(groupId);

    // 5. The group's year planned.
    await page.goto(`${web.address}/hub/groups`);
    await page.getByRole('button', { name: 'Plan the year’s sessions for Secondary Development group, Lincoln' }).click();
    expect(await banner(page)).toMatch(/\d+ sessions planned for 2025\/26/);
    await expectAccessible(page, 'year 03 group planned');

    // 6. The signed commitment, on the school page.
    await page.goto(`${web.address}/hub/schools/${URN}`);
    await page.getByText('Record the signed commitment').first().click();
    for (const box of await page.locator('input[name="signatories"]').all()) await box.check();
    await page.getByRole('button', { name: 'Record the signed commitment' }).click();
    expect(await banner(page)).toContain('Signed commitment recorded');
    await expectAccessible(page, 'year 04 commitment signed');
    // Signed, no meeting yet: the page says what the grant still waits for.
    const due = page.locator('.govuk-summary-list__row').filter({ has: page.locator('dt', { hasText: /^\s*Grant\s*$/ }) });
    expect((await due.textContent())?.replace(/\s+/g, ' ').trim()).toBe('Grant £2,000 will be paid to the maths department after the first meeting is held.');

    // 7. Each session's attendance, recorded on its day.
    const group = (await web.api<GroupJson>('GET', `/groups/${encodeURIComponent(groupId)}`)).body;
    const sessions = group.sessions.filter((s) => s.status !== 'cancelled').sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    expect(sessions.length).toBeGreaterThanOrEqual(4);
    for (const [i, s] of sessions.entries()) {
      // Half a day after it starts: it is over, and the missed-session check has not fired yet.
      await web.tick(DateTime.fromISO(s.at).plus({ hours: 4 }).toUTC().toISO()!);
      await page.goto(`${web.address}/hub/groups/${encodeURIComponent(groupId)}/sessions/${encodeURIComponent(s.sessionId)}`);
      const fieldset = page.locator('fieldset', { hasText: SCHOOL });
      await fieldset.getByLabel('Owen Clarke, lead teacher').check();
      await fieldset.getByLabel('Lena Fischer, lead teacher').check();
      if (i === 0) await expectAccessible(page, 'year 05 attendance form');
      await page.getByRole('button', { name: 'Record attendance' }).click();
      expect(await banner(page), `session ${i + 1} (${s.sessionId})`).toContain(`Attendance recorded for ${SCHOOL}`);
      if (i === 0) {
        // The grant is released once the commitment is signed and the first meeting held.
        await web.tick(DateTime.fromISO(s.at).plus({ hours: 5 }).toUTC().toISO()!);
        await page.goto(`${web.address}/hub/schools/${URN}`);
        // Said as the headteacher's page says it: paid, to whom, on which day.
        const grant = page.locator('.govuk-summary-list__row').filter({ has: page.locator('dt', { hasText: /^\s*Grant\s*$/ }) });
        expect((await grant.textContent())?.replace(/\s+/g, ' ').trim()).toBe(`Grant £2,000 was paid to the maths department on ${DateTime.fromISO(s.at).setZone('Europe/London').toFormat('d MMMM yyyy')}.`);
        expect(await page.locator('.app-timeline__item--payment').count()).toBe(1);
        expect(await page.locator('.app-timeline__item--payment').textContent()).toContain('£2,000');
        // Walked day by day, the reminders before the first meeting went out when they were due, none late or held back.
        const timeline = (await page.locator('#timeline').textContent()) ?? '';
        expect(timeline).toContain('Reminder sent: Meeting 1 of 6 in 2 days');
        expect(timeline).not.toContain('Reminder not sent');
        // The group is named as the officer named it.
        expect(await page.getByRole('link', { name: 'Secondary Development group, Lincoln' }).count()).toBe(1);
        await expectAccessible(page, 'year 06 school page grant paid');
        await page.goto(`${web.address}/audit/ledger`);
        const row = page.locator('tr', { hasText: SCHOOL });
        expect(await row.count()).toBe(1);
        expect(await row.textContent()).toContain('£2,000');
        await expectAccessible(page, 'year 07 ledger');
      }
    }

    // 8. The evaluation, once every session is held.
    await page.goto(`${web.address}/hub/schools/${URN}`);
    await page.getByText('Record the end-of-year evaluation').first().click();
    await page.getByLabel('Notes on the evaluation (optional)').fill('Both advocates reported; the department plans lessons together now.');
    await page.getByRole('button', { name: 'Record the evaluation as submitted' }).click();
    expect(await banner(page)).toContain('Evaluation recorded');
    await expectAccessible(page, 'year 08 evaluation recorded');

    // 9. The cohort moves on at the end of the year: dry run, then confirm.
    await web.tick(london('2026-07-24T09:00'));
    await page.goto(`${web.address}/hub/cohort-transition`);
    await page.getByLabel('Academic year the schools are finishing').selectOption('2025/26');
    await page.getByRole('button', { name: 'Check what would happen' }).click();
    const row = page.locator('tr', { hasText: SCHOOL });
    expect(await row.textContent()).toContain('Would move');
    expect(await row.textContent()).toContain('Secondary Development group, Lincoln');
    expect((await school()).phase).toBe('development');
    await expectAccessible(page, 'year 09 cohort dry run');
    await page.getByRole('button', { name: /Confirm and move/ }).click();
    await page.locator('.govuk-panel').waitFor();
    expect(await page.locator('tr', { hasText: SCHOOL }).textContent()).toContain('Moved to Embedding, 2026/27');

    // 10. The school page says Embedding.
    await page.goto(`${web.address}/hub/schools/${URN}`);
    const main = (await page.locator('main').textContent()) ?? '';
    expect(main).toContain('Embedding');
    expect(await school()).toMatchObject({ phase: 'embedding', academicYear: '2026/27' });
    await expectAccessible(page, 'year 10 school in embedding');
  }, 300_000);
});
