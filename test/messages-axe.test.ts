/**
 * Every kind of HTML email, opened in the same headless Chromium as the web
 * tests and checked with axe-core: no serious or critical violation. Uses the
 * rendered examples (activities/mail/examples.ts).
 */
import { describe, it } from 'vitest';
import { allExampleMessages } from '../activities/index.js';
import { expectAccessible, useBrowser } from './helpers/browser.js';

describe('HTML emails in Chromium, checked with axe-core', () => {
  const browser = useBrowser();
  it.each(allExampleMessages().map((x) => [x.kind, x.message.html] as const))('%s', async (kind, html) => {
    const page = await browser.page();
    await page.setContent(html, { waitUntil: 'load' });
    await expectAccessible(page, `message-${kind}`);
    await page.close();
  }, 60_000);
});
