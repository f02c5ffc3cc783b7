/**
 * The cohort transition pages in a real browser, on the demo hub: a dry run
 * shows every school's outcome in words, confirming moves the schools (seen
 * through the API), the run page reports the finished run, bad input shows the
 * error summary, and an auditor may look at a dry run but not move anyone.
 * axe on every page as hub staff and auditor.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { expectAccessible, signIn, useBrowser, useWebService } from './helpers/browser.js';
import { CohortRuns, MAX_RUNS } from '../web/cohort/runs.js';

const HUB = 'east-midlands-east';

interface School {
  summary: { phase: string; status: string; academicYear: string };
  version: number;
}

describe('hub web: cohort transition', () => {
  const web = useWebService();
  const browser = useBrowser();
  let staff = '';
  let auditor = '';

  const school = async (urn: string) => (await web.api<School>('GET', `/schools/${urn}`)).body;

  beforeAll(async () => {
    staff = await web.addUser({ name: 'Priya Shah', role: 'hub_staff', hubs: [HUB] });
    auditor = await web.addUser({ name: 'Alex Auditor', role: 'auditor', hubs: [HUB] });
    // Kingsway finished every Development meeting in 2025/26 but never sent its evaluation; it arrives now.
    const r = await web.api('POST', '/schools/100007/evaluation', { summary: 'Evaluation returned late.' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  }, 60_000);

  const open = async (token: string, path: string): Promise<Page> => {
    const page = await browser.page();
    await signIn(page, web, token, path);
    return page;
  };

  it('refuses a year written wrongly with the error summary', async () => {
    const page = await open(staff, '/hub/cohort-transition?check=1&from=2025-26');
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('Select an academic year written like 2025/26');
    expect(await page.locator('.govuk-error-summary a').getAttribute('href')).toBe('#from');
    expect(await page.locator('table').count()).toBe(0);
    await expectAccessible(page, 'cohort transition bad input');
  });

  it('shows the year a link asks for as the one chosen, even one outside the usual list', async () => {
    const page = await open(staff, '/hub/cohort-transition?check=1&from=2019/20');
    // The select said 2026/27 above a dry run of 2019/20.
    expect(await page.getByLabel('Academic year the schools are finishing').inputValue()).toBe('2019/20');
  });

  it('lets an auditor see a dry run without a confirm button, and refuses their post', async () => {
    // Kingsway would move (before the hub staff test below moves it): the auditor sees that, but no way to do it.
    const page = await open(auditor, '/hub/cohort-transition?from=2025%2F26&check=1');
    expect(await page.locator('table').textContent()).toContain('Kingsway Primary School');
    expect(await page.locator('tr', { hasText: 'Kingsway Primary School' }).textContent()).toContain('Would move');
    expect(await page.getByRole('button', { name: /Confirm and move/ }).count()).toBe(0);
    expect(await page.locator('main').textContent()).toContain('only hub staff can move schools');
    await expectAccessible(page, 'cohort transition auditor');
    const token = await page.locator('input[name="_csrf"]').first().getAttribute('value');
    const before = await school('100007');
    const r = await page.evaluate(async (csrf) => {
      const res = await fetch('/hub/cohort-transition', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, from: '2025/26', group: '' }).toString(), redirect: 'manual' });
      return { status: res.status, text: await res.text() };
    }, token!);
    expect(r.status).toBe(403);
    expect(r.text).toContain('You do not have access');
    expect((await school('100007')).version).toBe(before.version);
    expect((await school('100007')).summary.phase).toBe('development');
  });

  it('shows the dry run as a table of every school, then moves the schools on confirmation', async () => {
    const page = await open(staff, '/hub/cohort-transition');
    await expectAccessible(page, 'cohort transition');
    await page.getByLabel('Academic year the schools are finishing').selectOption('2025/26');
    await page.getByRole('button', { name: 'Check what would happen' }).click();
    const table = page.locator('table');
    const kingsway = table.locator('tr', { hasText: 'Kingsway Primary School' });
    expect(await kingsway.textContent()).toContain('Would move');
    expect(await kingsway.textContent()).toContain('Would move to Embedding, 2026/27');
    expect(await kingsway.textContent()).toContain('Development 2025/26: completed');
    const oakfield = table.locator('tr', { hasText: 'Oakfield Primary School' });
    expect(await oakfield.textContent()).toContain('Already moved to Embedding, 2026/27');
    expect((await table.textContent()) ?? '').not.toMatch(/ADVANCED|primary-embedding-2026-27/);
    await expectAccessible(page, 'cohort transition dry run');
    // Nothing moved yet.
    expect((await school('100007')).summary.phase).toBe('development');

    await page.getByRole('button', { name: 'Confirm and move 1 school' }).click();
    expect(new URL(page.url()).pathname).toMatch(/^\/hub\/cohort-transition\/runs\/[0-9a-f-]{36}$/);
    // The page refreshes itself while the run goes on; wait for the report.
    await page.waitForFunction(() => document.querySelector('h1')?.textContent?.includes('Cohort transition finished') || document.querySelector('.govuk-panel__title')?.textContent?.includes('moved'), null, { timeout: 30_000 });
    expect(await page.locator('.govuk-panel').textContent()).toContain('1 school moved');
    expect(await page.locator('tr', { hasText: 'Kingsway Primary School' }).textContent()).toContain('Moved to Embedding, 2026/27');
    // Its Development row is where the school was, not where it is now.
    expect(await page.locator('thead th').allTextContents()).toContain('Before the run');
    await expectAccessible(page, 'cohort transition run');

    const moved = await school('100007');
    expect(moved.summary.phase).toBe('embedding');
    expect(moved.summary.academicYear).toBe('2026/27');
    // Schools that could not move did not.
    expect((await school('100008')).summary.phase).toBe('readiness');

    // The same check again: Kingsway is now already moved, and nothing is left to confirm.
    await page.goto(`${web.address}/hub/cohort-transition?from=2025%2F26&check=1`);
    expect(await page.locator('tr', { hasText: 'Kingsway Primary School' }).textContent()).toContain('Already moved');
    expect(await page.getByRole('button', { name: /Confirm and move/ }).count()).toBe(0);
  });

  it('filters a dry run to one work group and by outcome, in words for schools that cannot move', async () => {
    const page = await open(staff, '/hub/cohort-transition');
    await page.getByLabel('Academic year the schools are finishing').selectOption('2026/27');
    await page.getByLabel('Which schools').selectOption({ label: 'Readiness 2026/27, group 1 (led by Helen Ashworth)' });
    await page.getByRole('button', { name: 'Check what would happen' }).click();
    const text = (await page.locator('table').textContent()) ?? '';
    expect(text).toContain('Hollybrook Primary School');
    expect(text).toContain('Not Mastery Ready');
    expect(text).not.toContain('Riverside Academy');
    await page.getByRole('link', { name: /^Cannot move/ }).click();
    expect(new URL(page.url()).searchParams.get('outcome')).toBe('cannot move');
    expect(await page.locator('tbody tr').count()).toBeGreaterThan(0);
    await expectAccessible(page, 'cohort transition group');
  });

  it('answers an unknown run with a page, not data', async () => {
    const page = await open(staff, '/hub/cohort-transition/runs/00000000-0000-0000-0000-000000000000');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Not found');
  });
});

describe('cohort transition runs kept for the run page', () => {
  const report = (n: number) => ({ from: '2025/26', to: '2026/27', dryRun: false, rows: [], counts: { moved: n, 'would move': 0, 'already moved': 0, 'cannot move': 0, failed: 0 } });
  const base = { hubId: HUB, hubLabel: 'East Midlands East', from: '2025/26', to: '2026/27', groupId: null, groupLabel: null, startedBy: 'Priya Shah', startedAt: '2026-11-10T09:00:00Z', expected: 3, baseline: 0 };

  it('is running until its work ends, then holds the report; a second start of the same scope finds the first', async () => {
    const runs = new CohortRuns();
    let finish: (r: ReturnType<typeof report>) => void = () => undefined;
    const run = runs.start(base, () => new Promise((resolve) => (finish = resolve)));
    expect(runs.get(run.id)?.status).toBe('running');
    expect(runs.running({ hubId: HUB, from: '2025/26', groupId: null })?.id).toBe(run.id);
    expect(runs.running({ hubId: HUB, from: '2024/25', groupId: null })).toBeUndefined();
    finish(report(3));
    await new Promise((r) => setTimeout(r, 0));
    expect(runs.get(run.id)?.status).toBe('finished');
    expect(runs.get(run.id)?.report?.counts.moved).toBe(3);
    expect(runs.running({ hubId: HUB, from: '2025/26', groupId: null })).toBeUndefined();
  });

  it('records a run that fails as a whole with the reason, and keeps at most MAX_RUNS', async () => {
    const runs = new CohortRuns();
    const failed = runs.start(base, () => Promise.reject(new Error('the database cannot be reached')));
    await new Promise((r) => setTimeout(r, 0));
    expect(runs.get(failed.id)?.status).toBe('failed');
    expect(runs.get(failed.id)?.error).toBe('the database cannot be reached');
    const ids = [];
    for (let i = 0; i < MAX_RUNS + 5; i++) ids.push(runs.start({ ...base, from: `x${i}` }, () => Promise.resolve(report(0))).id);
    await new Promise((r) => setTimeout(r, 0));
    runs.start(base, () => Promise.resolve(report(0)));
    expect(runs.get(failed.id)).toBeUndefined();
    expect(runs.get(ids[ids.length - 1]!)).toBeDefined();
  });
});
