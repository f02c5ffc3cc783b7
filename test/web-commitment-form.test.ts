/**
 * The commitment form to print, in a real browser: hub staff open it from
 * the school page, the headteacher from the school's page link (the
 * "selected" email links to it). It says what the school commits to, from
 * the programme's own figures, with a line for each person who signs, named
 * from the application; a school without a place has none. Checked with axe,
 * on screen and as printed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, signIn, useBrowser, useWebService } from './helpers/browser.js';
import { schoolLinkFor } from '../service/school-link-view.js';
import { renderMessage } from '../activities/mail/render.js';
import { selectApplication } from '../service/applications.js';
import type { Principal } from '../service/context.js';

const ADMIN: Principal = { id: 'fixture', name: 'fixture maker', role: 'admin', hubs: [] };

const HUB = 'east-midlands-east';

describe('the commitment form', () => {
  const web = useWebService();
  const browser = useBrowser();
  let staff = '';

  beforeAll(async () => {
    staff = await web.addUser({ name: 'Hana Officer', role: 'hub_staff', hubs: [HUB] });
  });

  it('hub staff print it from the school page: the undertakings, the grant, and a line for each signatory by name', async () => {
    const page = await browser.page();
    await signIn(page, web, staff, '/hub/schools/100004/commitment-form');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Commitment form: Riverside Academy');
    const items = (await page.locator('main ul.govuk-list--bullet li').allTextContents()).map((t) => t.trim());
    expect(items).toContain('The two lead teachers are released to attend every one of the work group’s 6 half-termly half-day meetings.');
    expect(items).toContain('The Maths Hub pays £2,000 to the mathematics department towards the cost of releasing the Mastery Advocates, once this form is signed and the first meeting has been held.');
    const rows = await page.locator('table.app-signatures tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td, th')].slice(0, 2).map((c) => c.textContent!.trim())));
    expect(rows.map((r) => r[0])).toEqual(['Headteacher', 'Head of department', 'Lead teacher 1', 'Lead teacher 2']);
    expect(rows.find((r) => r[0] === 'Lead teacher 1')![1]).toBe('Gareth Milburn');
    // Riverside signed in the summer: this copy is for its records, each signature dated as the hub recorded it.
    expect(await page.locator('.govuk-inset-text').textContent()).toMatch(/recorded this commitment as signed on \d{1,2} \w+ 2026\./);
    const signed = await page.locator('table.app-signatures tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td, th')].slice(2).map((c) => c.textContent!.trim())));
    for (const [signature, date] of signed) {
      expect(signature).toBe('Recorded as signed');
      expect(date).toMatch(/^\d{1,2} \w+ 2026$/);
    }
    await expectAccessible(page, 'commitment form hub');
    // As printed: no navigation, no instructions for the screen.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.govuk-service-navigation, .app-no-print').evaluateAll((els) => els.filter((e) => getComputedStyle(e).display !== 'none').length)).toBe(0);
    await page.screenshot({ path: 'test-screenshots/commitment-form-print.png', fullPage: true });
  });

  it('a school with no place yet has no form: the hub page says so plainly (404)', async () => {
    const page = await browser.page();
    await signIn(page, web, staff, '/hub');
    const res = await page.goto(`${web.address}/hub/schools/100008/commitment-form`);
    expect(res?.status()).toBe(404);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('No commitment form yet');
    expect(await page.locator('main').textContent()).toContain('when it is offered a place in a work group');
    await expectAccessible(page, 'commitment form none');
  });

  it('the headteacher opens it from the school’s link with no sign-in; the school’s page leads back', async () => {
    const link = await schoolLinkFor(web.service, '100004');
    const page = await browser.page();
    // A school that has signed finds its copy from its page.
    await page.goto(`${web.address}${link}`);
    expect(await page.locator('#commitment + p').textContent()).toContain('The hub has your school’s signed commitment.');
    expect(await page.getByRole('link', { name: 'Print a copy for your records' }).getAttribute('href')).toBe(`${link}/commitment`);
    const res = await page.goto(`${web.address}${link}/commitment`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['referrer-policy']).toBe('no-referrer');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Commitment form: Riverside Academy');
    // Signed already: the page does not ask for it again.
    expect(await page.locator('main').textContent()).not.toContain('send it to Priya Shah');
    expect(await page.getByRole('link', { name: 'Back to your school’s page' }).getAttribute('href')).toBe(link);
    await expectAccessible(page, 'commitment form headteacher');
    // A school just offered a place is asked to sign and told where to send it; its page leads to the form.
    await selectApplication(web.service, ADMIN, '100009', {});
    const selected = await schoolLinkFor(web.service, '100009');
    await page.goto(`${web.address}${selected}`);
    // Not signed yet: asked to sign, and no "signed commitment" section.
    expect(await page.locator('#commitment').count()).toBe(0);
    await page.getByRole('link', { name: 'Print the commitment form' }).click();
    expect(new URL(page.url()).pathname).toBe(`${selected}/commitment`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Commitment form: Brook Lane Primary School');
    expect(await page.locator('main').textContent()).toContain('Everyone named below signs it. Then send it to Priya Shah at priya.shah@emeast-mathshub.example');
    expect(await page.locator('.govuk-inset-text').count()).toBe(0);
    expect(await page.locator('table.app-signatures tbody tr td:nth-child(3)').allTextContents()).toEqual(['', '', '']);
    await expectAccessible(page, 'commitment form to sign');
    // An applied school's link has no form to show: it goes to the school's page instead.
    const applied = await schoolLinkFor(web.service, '100008');
    await page.goto(`${web.address}${applied}/commitment`);
    expect(new URL(page.url()).pathname).toBe(applied);
  });

  it('the "selected" email links to the form below the school’s link', () => {
    const m = renderMessage(
      { template: 'selected', urn: '100004', data: { school: 'Riverside Academy', programme: 'Secondary Teaching for Mastery Development Work Group 2026/27', programmeId: 'secondary-development-2026-27', academicYear: '2026/27', decidedAt: '2026-07-01T10:00:00Z' } },
      { schoolLink: 'https://pathway.example/for-schools/abc' },
    );
    expect(m.text).toContain('Print the form here: https://pathway.example/for-schools/abc/commitment');
    expect(m.html).toContain('href="https://pathway.example/for-schools/abc/commitment"');
    expect(m.text).not.toContain('to ask for the form if you do not have it');
    expect(m.text).toMatch(/signed form attached\.\r?\n2\. Once/);
  });
});
