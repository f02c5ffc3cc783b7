/**
 * Every kind of HTML email, opened in the same headless Chromium as the web
 * tests and checked with axe-core: no serious or critical violation. Uses the
 * rendered examples (activities/mail/examples.ts). Each table's cells start
 * at the top of their row, as mail clients do not all agree on a default.
 */
import { describe, expect, it } from 'vitest';
import { allExampleMessages } from '../activities/index.js';
import { expectAccessible, useBrowser } from './helpers/browser.js';
import { digestMessage } from '../service/digest.js';
import type { SchoolSummary } from '../machines/summary.js';

const overdueSchool = { urn: '100007', name: 'Kingsway Primary School', phase: 'development', status: 'overdue', programmeName: 'Primary Teaching for Mastery Development Work Group 2025/26', academicYear: '2025/26' } as SchoolSummary;
const digest = digestMessage('East Midlands East Maths Hub', '2026-W49', [overdueSchool], [{ urn: '100005', hub: 'east-midlands-east', key: 'k', template: 'selected', problem: 'the headteacher has no email address', recordedAt: '2026-11-30T09:00:00Z' }], 'https://hub.example', new Map([['100005', 'Hollybrook Primary School']]), new Map(), [
  { title: 'Meeting 3 of 6 at The Minster School, Southwell', kind: 'session', at: '2026-12-03T09:00:00Z', groupId: 'g1', groupName: 'Development 2026/27, group 1', schools: 1, sample: [{ urn: '100004', name: 'Riverside Academy' }] },
]);

describe('HTML emails in Chromium, checked with axe-core', () => {
  const browser = useBrowser();
  it.each([...allExampleMessages().map((x) => [x.kind, x.message.html] as const), ['weekly-digest', digest.html] as const])('%s', async (kind, html) => {
    const page = await browser.page();
    await page.setContent(html, { waitUntil: 'load' });
    // A one-line value beside a two-line label ("Whom to ask") once sat in the middle of its row.
    const notTop = await page.locator('td, th[scope="row"]').evaluateAll((cells) => cells.filter((c) => getComputedStyle(c).verticalAlign !== 'top').map((c) => c.textContent));
    expect(notTop).toEqual([]);
    await expectAccessible(page, `message-${kind}`);
    await page.close();
  }, 60_000);
});
