/**
 * How the page tests start Chromium, shared by the one browser server of a
 * run (test/global-browser.ts) and the helper that connects to it
 * (useBrowser in test/helpers/browser.ts), so both start it the same way and
 * fail with the same message. Pure, but for reading the environment and
 * looking for the binary.
 */
import { existsSync } from 'node:fs';
import type { LaunchOptions } from 'playwright-core';

/**
 * Debian's chromium-headless-shell (the old headless mode, what Playwright
 * itself runs headless) when installed, else the full chromium: on this
 * 2-core machine four of the page test files took 125 s and 88 CPU-seconds
 * with the shell against 261 s and 166 with the full browser, whose new
 * headless mode runs a whole browser and GPU process behind each page.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'].find((p) => existsSync(p)) ?? '/usr/bin/chromium';

export const LAUNCH_OPTIONS: LaunchOptions = {
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};

/** What the global setup hands the test files: the server's address, or why Chromium could not start. */
export type SharedChromium = { wsEndpoint: string } | { error: string };

declare module 'vitest' {
  export interface ProvidedContext {
    /** Absent when the run had no browser test file at its start (or ran without test/global-browser.ts). */
    chromium?: SharedChromium;
  }
}

/** The message of a Chromium that could not start: where it was looked for and how to get it. */
export function cannotStart(err: unknown): string {
  return (
    `Chromium could not start from ${CHROMIUM} (${(err as Error).message.split('\n')[0]}). ` +
    'Install it with "apt-get install -y chromium-headless-shell" (.ci/run does this; the full "chromium" works too, at about twice the CPU), or set CHROMIUM_PATH to a Chromium binary.'
  );
}
