/**
 * `npm run docs:screenshots`: the README's pictures, made from the running
 * product: the demo hub served as `npm start` serves it (on a fixed school
 * date so the pictures do not change from day to day), the hub board and a
 * school page in Chromium at 1280x800, the funding audit, integrity check and
 * effects pages, and one rendered email. Not pure.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../cli/commands/serve.js';
import { SimulatedClock } from '../host/clock.js';
import { exampleMessage } from '../activities/mail/examples.js';
import { CHROMIUM } from '../test/helpers/chromium.js';

const OUT = join(import.meta.dirname, 'images');
const dir = mkdtempSync(join(tmpdir(), 'pathway-shots-'));
const server = await startServer({ db: join(dir, 'db'), port: 0, host: '127.0.0.1', demo: true, clock: new SimulatedClock('2026-11-10T09:00:00Z'), mailbox: join(dir, 'mailbox'), say: () => undefined });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
try {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'Europe/London' })).newPage();
  await page.goto(`${server.address}/sign-in`);
  await page.getByLabel('Sign-in key').fill(server.firstToken ?? '');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/hub/);
  await page.screenshot({ path: join(OUT, 'hub-board.png') });
  await page.goto(`${server.address}/hub/schools/100004`);
  await page.screenshot({ path: join(OUT, 'school-page.png') });
  await page.locator('h2', { hasText: 'The pathway' }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(OUT, 'school-page-chart.png') });
  // The audit's checks and the effects page (full page: they are read top to bottom).
  await page.goto(`${server.address}/audit/funding-audit`);
  await page.screenshot({ path: join(OUT, 'audit-funding-audit.png'), fullPage: true });
  await page.goto(`${server.address}/audit/integrity`);
  await page.locator('#result').waitFor({ timeout: 120_000 });
  await page.screenshot({ path: join(OUT, 'audit-integrity.png'), fullPage: true });
  await page.goto(`${server.address}/hub/effects`);
  await page.screenshot({ path: join(OUT, 'hub-effects.png'), fullPage: true });
  const mail = exampleMessage('session-reminder');
  const html = join(dir, 'mail.html');
  writeFileSync(html, mail.html);
  const mailPage = await (await browser.newContext({ viewport: { width: 800, height: 900 } })).newPage();
  await mailPage.goto(`file://${html}`);
  await mailPage.screenshot({ path: join(OUT, 'email-session-reminder.png'), fullPage: true });
  process.stdout.write(`wrote ${OUT}/hub-board.png, school-page.png, school-page-chart.png, audit-funding-audit.png, audit-integrity.png, hub-effects.png, email-session-reminder.png\n`);
} finally {
  await browser.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
