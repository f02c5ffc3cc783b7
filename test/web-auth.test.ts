/**
 * Signing in and out of the hub web in a real browser, and the safety every
 * page shares: the session cookie's flags, CSRF on every form, security
 * headers, the sign-in rate limit, a session that ends after idle time and
 * comes back to the page asked for, and accessible pages.
 */
import { describe, expect, it } from 'vitest';
import { expectAccessible, signIn, useBrowser, useWebService } from './helpers/browser.js';

describe('hub web: signing in and out', () => {
  const web = useWebService({ web: { signInPerMinute: 6, idleMs: 3_000 } });
  const browser = useBrowser();

  it('shows what the service is to someone signed out, with a way to sign in', async () => {
    const page = await browser.page();
    const res = await page.goto(`${web.address}/`);
    expect(res?.status()).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Teaching for Mastery');
    expect(await page.content()).not.toMatch(/govuk-logo|crown/i);
    // The API's documentation is for signed-in hub users, not the public.
    expect(await page.locator('footer a').allTextContents()).toEqual(['About this service']);
    await expectAccessible(page, 'landing signed out');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await expectAccessible(page, 'sign in');
  });

  it('a wrong key re-renders the form with an error summary linked to the field, and signs nobody in', async () => {
    const page = await browser.page();
    await signIn(page, web, 'mpt_not-a-real-key');
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    const summary = page.locator('.govuk-error-summary');
    expect(await summary.textContent()).toContain('Enter a sign-in key that starts with mpt_');
    expect(await summary.locator('a').getAttribute('href')).toBe('#token');
    expect(await page.locator('#token-error').textContent()).toContain('starts with mpt_');
    expect(await page.title()).toMatch(/^Error: /);
    await expectAccessible(page, 'sign in error');
    const cookies = await browser.context().cookies();
    const session = cookies.find((c) => c.name === 'pathway_session');
    // A cookie may exist (it carries the form's CSRF secret) but it signs nobody in.
    const r = await page.goto(`${web.address}/about`);
    expect(r?.status()).toBe(200);
    expect(await page.content()).not.toContain('Signed in as');
    void session;
  });

  it('signs in with the admin key, sets a sealed HttpOnly SameSite=Lax cookie, and signs out', async () => {
    const page = await browser.page();
    await signIn(page, web, web.adminToken, '/about');
    expect(new URL(page.url()).pathname).toBe('/about');
    expect(await page.locator('.app-header').textContent()).toContain('Signed in as First-start admin (administrator)');
    const cookie = (await browser.context().cookies()).find((c) => c.name === 'pathway_session');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Lax');
    // Sealed: the key itself never appears in the cookie.
    expect(cookie?.value).not.toContain(web.adminToken);
    expect(decodeURIComponent(cookie?.value ?? '')).not.toContain(web.adminToken.slice(4));
    expect(await page.locator('footer a').allTextContents()).toEqual(['API documentation', 'About this service']);
    await expectAccessible(page, 'about signed in');

    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('You have signed out');
    const r = await page.goto(`${web.address}/about`);
    expect(r?.status()).toBe(200);
    expect(await page.content()).not.toContain('Signed in as');
  });

  it('refuses a form post without its CSRF token, and changes nothing', async () => {
    const page = await browser.page();
    await signIn(page, web, web.adminToken, '/about');
    // The same browser (its session cookie) posts sign-out without the token: refused, still signed in.
    const status = await page.evaluate(async () => {
      const r = await fetch('/sign-out', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'x=1', redirect: 'manual' });
      return r.status;
    });
    expect(status).toBe(403);
    await page.reload();
    expect(await page.locator('.app-header').textContent()).toContain('Signed in as');
    // And the refusal is a page in words.
    const html = await page.evaluate(async () => (await fetch('/sign-out', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '_csrf=forged' })).text());
    expect(html).toContain('This form has expired');
  });

  it('sends security headers with a CSP that allows only the service’s own assets', async () => {
    const r = await fetch(`${web.address}/sign-in`);
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https:/);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    // Over plain http (localhost) the browser is not told to upgrade to https.
    expect(csp).not.toContain('upgrade-insecure-requests');
  });

  it('ends a session after idle time, then brings the person back to the page they asked for', async () => {
    const page = await browser.page();
    await signIn(page, web, web.adminToken, '/about');
    await page.waitForTimeout(3_500);
    await page.goto(`${web.address}/about?after=idle`);
    // /about is public, so it shows signed out; a page that needs sign-in sends the person to sign in.
    expect(await page.content()).not.toContain('Signed in as');
    await page.goto(`${web.address}/hub?from=idle`);
    const url = new URL(page.url());
    expect(url.pathname).toBe('/sign-in');
    expect(url.searchParams.get('return')).toBe('/hub?from=idle');
  });

  it('a revoked key signs the person out on their next page', async () => {
    const token = await web.addUser({ name: 'Revoked Person', role: 'auditor', hubs: ['east-midlands-east'] });
    const page = await browser.page();
    await signIn(page, web, token, '/about');
    expect(await page.locator('.app-header').textContent()).toContain('Revoked Person');
    const users = await web.api<{ users: { id: string; name: string }[] }>('GET', '/users');
    const id = users.body.users.find((u) => u.name === 'Revoked Person')!.id;
    expect((await web.api('DELETE', `/users/${id}`)).status).toBe(200);
    // The token cache holds an answer for a few seconds in another process; here the revocation is at once.
    await page.goto(`${web.address}/about`);
    expect(await page.content()).not.toContain('Revoked Person');
  });

  it('limits sign-in attempts from one address, with a page that says to wait', async () => {
    let last = 0;
    for (let i = 0; i < 8; i++) {
      const r = await fetch(`${web.address}/sign-in`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=x' });
      last = r.status;
      if (last === 429) {
        expect(await r.text()).toContain('Too many attempts');
        break;
      }
    }
    expect(last).toBe(429);
  });

  it('answers an unknown address with a page for a browser and JSON for an API client', async () => {
    const page = await browser.page();
    const r = await page.goto(`${web.address}/no-such-page`);
    expect(r?.status()).toBe(404);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Page not found');
    await expectAccessible(page, 'not found');
    // Styled as every other page: the service's stylesheet loaded (the API's policy once blocked it, leaving Times).
    const look = () => page.getByRole('heading', { level: 1 }).evaluate((h) => `${getComputedStyle(h).fontFamily} ${getComputedStyle(h).fontSize}`);
    const notFound = await look();
    await page.goto(`${web.address}/sign-in`);
    expect(notFound).toBe(await look());
    const api = await fetch(`${web.address}/no-such-page`);
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toContain('application/json');
  });
});
