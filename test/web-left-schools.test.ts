/**
 * A school that withdrew or deferred, in a real browser, on the demo hub
 * (simulated clock at 10 November 2026): before, its page lists the year's
 * sessions under "Coming up" and the board's "Next" column and "Due this
 * week" name it; hub staff withdraw Forest Town (Readiness) and defer
 * Oakfield (Embedding) on their pages; after, neither page lists a date
 * (each says why nothing is coming up), the board's "Next" is "–", the due
 * lists leave them out, and the API's upcoming list is empty. axe and
 * screenshots on every page changed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { expectAccessible, signIn, useBrowser, useWebService } from './helpers/browser.js';

const HUB = 'east-midlands-east';
const FOREST = { urn: '100006', name: 'Forest Town Primary School' };
const OAKFIELD = { urn: '100003', name: 'Oakfield Primary School' };

const comingUp = (page: Page) => page.locator('.govuk-grid-column-one-third', { has: page.getByRole('heading', { name: 'Coming up' }) });

/** The board's row for a school: its cells' text. */
async function boardRow(page: Page, urn: string): Promise<string[]> {
  return page.locator('main table').first().locator('tbody tr', { has: page.locator('td', { hasText: new RegExp(`^${urn}$`) }) }).locator('td').allTextContents().then((t) => t.map((x) => x.trim()));
}

describe('hub web: a school that withdrew or deferred has nothing coming up', () => {
  const web = useWebService();
  const browser = useBrowser();
  let staff = '';

  beforeAll(async () => {
    staff = await web.addUser({ name: 'Hana Officer', role: 'hub_staff', hubs: [HUB] });
  }, 60_000);

  it('lists the sessions of a school taking part (the rest of the year, on its page and the board)', async () => {
    const page = await browser.page();
    await signIn(page, web, staff, `/hub/schools/${FOREST.urn}`);
    expect(await comingUp(page).locator('.app-due__item').count()).toBeGreaterThan(3);
    await page.goto(`${web.address}/hub`);
    expect((await boardRow(page, FOREST.urn))[8]).toMatch(/\d+ \w+ 20\d\d/);
    expect((await boardRow(page, OAKFIELD.urn))[8]).toMatch(/\d+ \w+ 20\d\d/);
    expect(await page.locator('.app-due').first().textContent()).toContain(FOREST.name);
  });

  it('shows no dates for a school that withdrew, on its page, the board and the API', async () => {
    const page = await browser.page();
    await signIn(page, web, staff, `/hub/schools/${FOREST.urn}`);
    await page.locator('summary', { hasText: 'Withdraw the school' }).click();
    await page.getByLabel('Why is the school withdrawing?').fill('the maths lead has left and the school cannot release a teacher');
    await page.getByRole('button', { name: 'Withdraw the school' }).click();
    expect(((await page.locator('.govuk-notification-banner').textContent()) ?? '').replace(/\s+/g, ' ')).toMatch(/School withdrawn\s*Its reminders stop, and its place in the work group is free for a school on the waiting list\./);
    const words = ((await comingUp(page).textContent()) ?? '').replace(/\s+/g, ' ');
    expect(words).toContain('The school has withdrawn: it has no workshops to attend.');
    expect(await comingUp(page).locator('.app-due__item').count()).toBe(0);
    await expectAccessible(page, 'school page withdrawn');

    const api = await web.api<{ summary: { status: string }; upcoming: unknown[] }>('GET', `/schools/${FOREST.urn}`);
    expect(api.body.summary.status).toBe('withdrawn');
    expect(api.body.upcoming).toEqual([]);

    await page.goto(`${web.address}/hub`);
    const row = await boardRow(page, FOREST.urn);
    expect(row[3]).toBe('Withdrawn');
    expect(row[8]).toBe('–');
    // Its work group's next workshop is still due for Hollybrook, without Forest Town.
    const due = (await page.locator('.app-due').first().textContent()) ?? '';
    expect(due).toContain('Hollybrook Primary School');
    expect(due).not.toContain(FOREST.name);
  });

  it('shows no dates for a school that deferred, and says until when', async () => {
    const page = await browser.page();
    await signIn(page, web, staff, `/hub/schools/${OAKFIELD.urn}`);
    await page.locator('summary', { hasText: 'Defer to a later year' }).click();
    await page.getByLabel('Why is the school deferring?').fill('a new headteacher starts in January');
    const year = (await page.getByLabel('Which year will it start again?').locator('option').nth(1).getAttribute('value'))!;
    await page.getByLabel('Which year will it start again?').selectOption(year);
    await page.getByRole('button', { name: 'Defer the school' }).click();
    const banner = ((await page.locator('.govuk-notification-banner').textContent()) ?? '').replace(/\s+/g, ' ');
    expect(banner).toContain(`School deferred until ${year}`);
    expect(banner).toContain('Its reminders stop. This page says when and how it can start again.');
    const words = ((await comingUp(page).textContent()) ?? '').replace(/\s+/g, ' ');
    expect(words).toContain(`The school has deferred until ${year}: it has no meetings to attend until it starts again.`);
    expect(await comingUp(page).locator('.app-due__item').count()).toBe(0);
    await expectAccessible(page, 'school page deferred');

    await page.goto(`${web.address}/hub`);
    const row = await boardRow(page, OAKFIELD.urn);
    expect(row[3]).toBe('Deferred');
    expect(row[8]).toBe('–');
    // Neither this week's nor the rest of the half term's lists name it.
    expect((await page.locator('.app-due').allTextContents()).join(' ')).not.toContain(OAKFIELD.name);
    await expectAccessible(page, 'hub board with a withdrawn and a deferred school');
  });
});
