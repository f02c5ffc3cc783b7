/**
 * One Chromium for the whole run, when it has page tests: started here as a
 * Playwright browser server and handed to the test files by its address
 * (vitest's provide/inject), instead of each file launching its own (about
 * 1.7 CPU-seconds a launch on this machine). Each file still connects with
 * its own contexts (test/helpers/browser.ts), so no cookies or storage are
 * shared, and its disconnect closes only its contexts. A Chromium that
 * cannot start is not an error of the run: its message is handed on and each
 * page test fails with it. Not pure.
 */
import { readFileSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { chromium, type BrowserServer } from 'playwright-core';
import { cannotStart, LAUNCH_OPTIONS } from './helpers/chromium.js';

/** A test file that opens pages (reads the files of the run: a few milliseconds for the whole suite). */
export function usesBrowser(file: string): boolean {
  try {
    return readFileSync(file, 'utf8').includes('useBrowser(');
  } catch {
    return false;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  // The run's files are known here (vitest records them before the global setup); the State API is experimental,
  // so without it the browser starts anyway. A file this misses, e.g. one added on a watch-mode rerun, launches its own.
  const files = project.vitest.state?.getPaths?.();
  if (files && !files.some(usesBrowser)) return;
  let server: BrowserServer;
  try {
    server = await chromium.launchServer(LAUNCH_OPTIONS);
  } catch (err) {
    project.provide('chromium', { error: cannotStart(err) });
    return;
  }
  let closing = false;
  server.process().on('exit', (code, signal) => {
    // The test files see their browser disconnected (test/helpers/browser.ts); this says why, once.
    if (!closing) process.stderr.write(`test setup: the shared Chromium exited during the run (exit code ${code}, signal ${signal}); the page tests after this fail\n`);
  });
  project.provide('chromium', { wsEndpoint: server.wsEndpoint() });
  return async () => {
    closing = true;
    await server.close();
  };
}
