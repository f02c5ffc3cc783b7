/**
 * The harness for the page tests: the hub service as `npm start` runs it
 * (demo hub seeded, on a simulated clock so the demo's dates are fixed),
 * Debian's Chromium driven by playwright-core (one for the whole run, from
 * test/global-browser.ts, with a fresh context for each page), axe-core on
 * every page, and screenshots at 1280x800 under test-screenshots/ (kept out
 * of git) for reviewers. A browser that cannot start FAILS the tests with how to fix it;
 * they never skip. Not pure.
 *
 *   const web = useWebService();               // one server for the file
 *   const browser = useBrowser();
 *   it('...', async () => {
 *     const page = await browser.page();
 *     await signIn(page, web, web.adminToken);
 *     await expectAccessible(page, 'hub board');
 *   });
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Download, type Page } from 'playwright-core';
import { startServer } from '../../cli/commands/serve.js';
import { SimulatedClock } from '../../host/clock.js';
import type { WebOptions } from '../../web/plugin.js';
import type { Service } from '../../service/context.js';
import type { EmbeddedEngine } from '../../host/embedded.js';
import { copyMigratedPgliteFolder } from './db.js';
import { copyDemoTemplate, keepDemoTemplate } from './demo-template.js';
import { cannotStart, LAUNCH_OPTIONS } from './chromium.js';

const require = createRequire(import.meta.url);

/** The school-time "now" of every page test: a Tuesday in the autumn term of 2026/27. */
export const WEB_NOW = '2026-11-10T09:00:00Z';

export { CHROMIUM } from './chromium.js';

/** Where screenshots go (in .gitignore). */
export const SCREENSHOT_DIR = join(process.cwd(), 'test-screenshots');

export interface WebService {
  address: string;
  /** The admin key printed at the first start. */
  adminToken: string;
  /** Makes a person through the API as the admin and returns their key. */
  addUser(u: { name: string; role: 'hub_staff' | 'auditor' | 'admin'; hubs?: string[] }): Promise<string>;
  /** The JSON API as the admin (for setting up and for checking what a page did). */
  api<T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
  mailbox: string;
  /** The running service itself (its clock, keys and database), e.g. for service helpers such as schoolLinkFor. */
  readonly service: Service;
  /** The service's simulated clock (school time; sessions still expire on the wall clock). */
  readonly clock: SimulatedClock;
  /** Fires every timer due by `until` (an ISO instant) at its due time, the clock moving with them as the scheduler's would, then leaves the clock at `until`. */
  tick(until: string): Promise<void>;
}

/** Starts the service for this test file (before all) and stops it after. */
export function useWebService(options: { web?: WebOptions; now?: string } = {}): WebService {
  const dir = mkdtempSync(join(tmpdir(), 'pathway-web-'));
  const state = { address: '', adminToken: '', service: null as Service | null, embedded: null as EmbeddedEngine | null, close: async () => undefined as void };
  const clock = new SimulatedClock(options.now ?? WEB_NOW);
  const ws: WebService = {
    get address() {
      return state.address;
    },
    get adminToken() {
      return state.adminToken;
    },
    get service() {
      if (!state.service) throw new Error('the service has not started yet (use it inside a test)');
      return state.service;
    },
    mailbox: join(dir, 'mailbox'),
    clock,
    async tick(until: string) {
      if (!state.embedded) throw new Error('tick needs the embedded engine, started by useWebService');
      // The engine moves the clock to each timer as it fires it, so its effects are carried out at their due time (a
      // reminder goes out when due); moving the clock to `until` first made every one of them late, and not sent.
      await state.embedded.tick(until);
      clock.advanceTo(until);
    },
    async api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const r = await fetch(`${state.address}${path}`, {
        method,
        headers: { authorization: `Bearer ${state.adminToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await r.text();
      return { status: r.status, body: (text ? JSON.parse(text) : null) as T };
    },
    async addUser(u) {
      const r = await ws.api<{ token: string }>('POST', '/users', { name: u.name, role: u.role, hubs: u.hubs ?? [] });
      if (r.status !== 201 && r.status !== 200) throw new Error(`could not add user ${u.name}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.token;
    },
  };
  beforeAll(async () => {
    const now = options.now ?? WEB_NOW;
    const start = () =>
      startServer({
        db: join(dir, 'db'),
        port: 0,
        host: '127.0.0.1',
        demo: true,
        clock,
        mailbox: ws.mailbox,
        say: () => undefined,
        // A file signs in more than 10 times a minute when the machine is quick; web-auth tests the limit with its own.
        web: { signInPerMinute: 1_000, ...options.web },
      });
    let s: Awaited<ReturnType<typeof startServer>>;
    if (copyDemoTemplate(dir, now)) {
      // A first start of this code, already seeded by another test file (test/helpers/demo-template.ts).
      s = await start();
      state.adminToken = readFileSync(join(dir, 'db', 'first-admin-token'), 'utf8').trim();
    } else {
      // The folder starts as a copy of a migrated one (as the first start leaves it before anything else), not empty:
      // PGlite's initdb and the migrations cost seconds per file. The service still finds no users and no schools,
      // so it makes the first admin key and seeds the demo as on a first start; stopped, the folder is kept for the
      // other files, then the service starts again on it as theirs will.
      await copyMigratedPgliteFolder(join(dir, 'db'));
      const first = await start();
      state.adminToken = first.firstToken ?? '';
      await first.close();
      await keepDemoTemplate(dir, now);
      s = await start();
    }
    state.address = s.address;
    state.close = s.close;
    state.service = s.service;
    state.embedded = s.embedded;
  }, 120_000);
  afterAll(async () => {
    await state.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return ws;
}

export interface TestBrowser {
  /** A new page in a fresh context (no cookies), 1280x800. */
  page(): Promise<Page>;
  /** The context of the last page (its cookies). */
  context(): BrowserContext;
}

/**
 * Connects this test file to the run's shared Chromium (test/global-browser.ts), or launches its own when the run
 * started without one (a file the global setup did not see). Fails with a clear message when it cannot.
 */
export function useBrowser(): TestBrowser {
  let browser: Browser | null = null;
  let last: BrowserContext | null = null;
  let closing = false;
  let gone: string | null = null;
  beforeAll(async () => {
    const shared = inject('chromium');
    if (shared && 'error' in shared) throw new Error(shared.error);
    if (shared) {
      try {
        browser = await chromium.connect(shared.wsEndpoint, { timeout: 30_000 });
      } catch (err) {
        throw new Error(`could not connect to the shared Chromium of this run at ${shared.wsEndpoint} (${(err as Error).message.split('\n')[0]}); did it crash? (test/global-browser.ts starts it)`);
      }
    } else {
      try {
        browser = await chromium.launch(LAUNCH_OPTIONS);
      } catch (err) {
        throw new Error(cannotStart(err));
      }
    }
    // Closing our connection ends only this file's contexts; any other disconnect means the browser itself went.
    browser.on('disconnected', () => {
      if (!closing) gone = shared ? 'the shared Chromium of this run exited or crashed (see the stderr of the run)' : 'Chromium exited or crashed';
    });
  }, 60_000);
  afterAll(async () => {
    closing = true;
    await browser?.close();
  });
  return {
    async page() {
      if (!browser) throw new Error('the browser did not start (see the error of beforeAll)');
      if (gone) throw new Error(gone);
      last = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'Europe/London' });
      return last.newPage();
    },
    context() {
      if (!last) throw new Error('no page was opened yet');
      return last;
    },
  };
}

/**
 * A download's content as text. Read through its stream, not download.path(): the browser is the run's shared one,
 * reached over a connection, and Playwright keeps no local file of a download then.
 */
export async function downloadText(download: Download): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Signs in on the sign-in page with `token`; ends on the page signed in to. */
export async function signIn(page: Page, web: WebService, token: string, returnTo?: string): Promise<void> {
  await page.goto(`${web.address}/sign-in${returnTo ? `?return=${encodeURIComponent(returnTo)}` : ''}`);
  await page.getByLabel('Sign-in key').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('domcontentloaded');
}

let axeSource: string | null = null;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; html: string }[];
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  // The page's CSP allows only its own scripts: inject through the DevTools protocol, which CSP does not govern.
  await page.evaluate(axeSource);
  const result = (await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    // WCAG 2.2 AA's target size (2.5.8) too, which axe leaves off by default: GOV.UK services are held to 2.2 AA.
    return axe.run(document, { resultTypes: ['violations'], rules: { 'target-size': { enabled: true } } });
  })) as { violations: AxeViolation[] };
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Sets a 375-pixel phone screen and asserts that nothing in the page's main part runs off its side. */
export async function expectFitsPhone(page: Page): Promise<void> {
  await page.setViewportSize({ width: 375, height: 800 });
  const overflow = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    wide: [...document.querySelectorAll('main *')].filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5).map((e) => `${e.tagName.toLowerCase()}.${e.className}`).slice(0, 5),
  }));
  expect(overflow.wide, 'elements wider than the phone screen').toEqual([]);
  expect(overflow.page).toBeLessThanOrEqual(375);
}

/** Asserts 0 serious or critical axe violations, and saves a screenshot named `name`. */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  const v = await seriousViolations(page);
  const described = v.map((x) => `${x.impact} ${x.id}: ${x.help} at ${x.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  expect(described, `axe on "${name}" (${page.url()})`).toEqual([]);
}

/** A full-page screenshot at 1280 wide under test-screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `${name.replace(/[^a-z0-9-]+/gi, '-').toLowerCase()}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
