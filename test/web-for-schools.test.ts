/**
 * The headteacher's page in a real browser, with no account: a signed link
 * opens the school's meetings, what is asked of it, its grant and how to
 * send the evaluation; a link that was altered, cut short or has expired is
 * refused with a page that shows nothing of any school. Kept out of search
 * engines and never leaks its address as a referrer.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { expectAccessible, expectFitsPhone, signIn, useBrowser, useWebService } from './helpers/browser.js';
import { schoolLinkFor } from '../service/school-link-view.js';
import { sessionUid } from '../activities/mail/calendar.js';

/** The element with the focus once the page's script has run ("DIV.govuk-error-summary"); waits a moment for the script. */
async function focused(page: Page): Promise<string> {
  const what = () => `${document.activeElement?.tagName}.${document.activeElement?.className}`;
  await page.waitForFunction(() => document.activeElement !== document.body, null, { timeout: 3_000 }).catch(() => undefined);
  // The fragment of an address moves the focus after the script: give it a moment to have done so.
  await page.waitForTimeout(200);
  return page.evaluate(what);
}

const SCHOOL_DATA = /Riverside|Hollybrook|Kingsway|Minster|Gareth|Milburn|Priya|£2,000|£1,000|Work Group meeting/;

describe('headteacher page', () => {
  const web = useWebService();
  const browser = useBrowser();

  it('gives the school’s dates to come as a calendar file, each under the UID its dates email used, so the two do not make two entries', async () => {
    const link = await schoolLinkFor(web.service, '100004');
    const page = await browser.page();
    await page.goto(`${web.address}${link}`);
    const rows = await page.locator('#meetings + table tbody tr').count();
    const href = await page.getByRole('link', { name: 'Add these dates to your calendar' }).getAttribute('href');
    expect(href).toBe(`${link}/calendar.ics`);
    const res = await page.request.get(`${web.address}${href}`);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toMatch(/^text\/calendar/);
    expect(res.headers()['content-disposition']).toBe('attachment; filename="riverside-academy-dates.ics"');
    // Long lines are folded (RFC 5545 3.1): unfold before reading.
    const ics = (await res.text()).replace(/\r\n[ \t]/g, '');
    const uids = [...ics.matchAll(/^UID:(.+)$/gm)].map((m) => m[1]!.trim());
    expect(uids).toHaveLength(rows);
    const st = await web.api<{ summary: { upcoming: { what: string; at: string }[] } }>('GET', '/schools/100004');
    expect(st.status).toBe(200);
    const snapshot = (await web.service.engine.state('100004')).snapshot as { context: { sessions: { id: string; at: string; status: string }[] } };
    const ahead = snapshot.context.sessions.filter((s) => s.status === 'scheduled' && Date.parse(s.at) >= Date.parse(web.service.now()));
    expect(uids.sort()).toEqual(ahead.map((s) => sessionUid('100004', s.id)).sort());
    expect(ics).toContain('SUMMARY:East Midlands East Maths Hub: Work Group meeting 2 of 6');
    // A link that does not open gives the page's refusal, not a file.
    const bad = await page.request.get(`${web.address}${link.slice(0, -5)}xxxxx/calendar.ics`);
    expect(bad.status()).toBeGreaterThanOrEqual(400);
    expect(bad.headers()['content-type']).toMatch(/^text\/html/);
  });

  it('opens the school’s page from a signed link without signing in', async () => {
    const link = await schoolLinkFor(web.service, '100004');
    const page = await browser.page();
    const res = await page.goto(`${web.address}${link}`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['referrer-policy']).toBe('no-referrer');
    expect(await page.locator('meta[name="robots"]').getAttribute('content')).toContain('noindex');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Riverside Academy');
    const main = (await page.locator('main').textContent())!.replace(/\s+/g, ' ');
    expect(main).toContain('Your school is in the Development phase');
    // The next meeting, with when, where and who should attend; the next is 12 November 2026 (the page's today is 10 November).
    const first = page.locator('#meetings + table tbody tr').first();
    expect(await first.locator('th, td').allTextContents()).toEqual(['Work Group meeting 2 of 6', 'Thursday 12 November 2026, 9am to 11.30am', 'The Minster School, Southwell', 'Gareth Milburn and Aisha Rahman (lead teachers)']);
    // A school visit is at the school itself, not at the group's venue; the heading says visits are listed too.
    expect(await page.locator('#meetings').textContent()).toBe('Upcoming meetings and visits');
    expect(await page.locator('#meetings + table thead th').first().textContent()).toBe('Meeting or visit');
    const visit = page.locator('#meetings + table tbody tr', { hasText: 'School visit 2 of 3' });
    expect(await visit.locator('td').nth(1).textContent()).toBe('At your school');
    expect(main).toContain('Secondary Teaching for Mastery Development Work Group 2026/27.');
    expect(main).not.toContain('rules carried forward');
    // What was recorded of the school so far this year, so that a headteacher told "we missed your school" can see the record.
    expect(await page.locator('#so-far').textContent()).toBe('So far this year');
    expect(main).toContain('Your lead teachers have attended 1 of the 6 meetings the programme asks for this year.');
    const soFar = page.locator('#so-far + p + table tbody tr');
    expect(await soFar.first().locator('th, td').allTextContents()).toEqual(['Work Group meeting 1 of 6', 'Thursday 10 September 2026, 9am to 11.30am', '2 teachers attended']);
    expect(await soFar.filter({ hasText: 'School visit 1 of 3' }).locator('td').nth(1).textContent()).toBe('Not recorded yet: the hub records who came after each session');
    // None of the sessions to come is among them.
    expect(await soFar.filter({ hasText: 'meeting 2 of 6' }).count()).toBe(0);
    // What is asked now, and the grant paid.
    expect(main).toContain('Release the two lead teachers');
    expect(main).toMatch(/should be released to attend every meeting \(\d still to come this year\)/);
    expect(main).toContain('Send the evaluation by 31 August 2027');
    expect((await page.locator('#grant + p').textContent())!).toMatch(/^£2,000 was paid to the maths department on \d+ \w+ 20\d\d\.$/);
    // How to send the evaluation and whom to contact: the hub lead the demo set.
    const evaluation = (await page.locator('#evaluation ~ p').allTextContents()).join(' ');
    expect(evaluation).toContain('Priya Shah');
    expect(await page.locator('a[href="mailto:priya.shah@emeast-mathshub.example"]').count()).toBeGreaterThan(0);
    // Its meetings are not all done, so the evaluation cannot be sent yet: the page says when it can, and offers no form.
    expect(evaluation).toContain('The evaluation can be sent once the school’s teachers have been to all the meetings this year. The hub will email you then, and this page will let you send it.');
    expect(evaluation).not.toContain('reply to the evaluation email');
    // Read only for now: no form, no button that changes anything, no sign-in asked for.
    expect(await page.locator('main form').count()).toBe(0);
    expect(new URL(page.url()).pathname).toBe(link);
    expect(main).not.toMatch(/COMMITMENT_SIGNED|ATTENDANCE_RECORDED|secondary-development-2026-27\./);
    // The footer offers a headteacher what the service is, not the hub's API.
    expect(await page.locator('footer a').allTextContents()).toEqual(['About this service']);
    await expectAccessible(page, 'headteacher page');
    // Most headteachers open it from an email on a phone: nothing runs off the side of a 375-pixel screen.
    await expectFitsPhone(page);
    await expectAccessible(page, 'headteacher page phone');
  });

  it('tells a school its evaluation is overdue, and a Readiness school which grant comes later', async () => {
    const page = await browser.page();
    // Kingsway never sent its 2025/26 evaluation.
    await page.goto(`${web.address}${await schoolLinkFor(web.service, '100007')}`);
    const asks = (await page.locator('.app-asks').textContent())!.replace(/\s+/g, ' ');
    expect(asks).toContain('Send the evaluation now');
    expect(asks).toContain('was due by 31 August 2026');
    // The status on one line (GOV.UK's tag stops at 160 px and had broken it in two).
    const tag = page.locator('main .govuk-tag', { hasText: 'Evaluation overdue' });
    const lineHeight = await tag.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight));
    expect((await tag.boundingBox())!.height).toBeLessThan(2 * lineHeight);
    expect(await page.locator('#evaluation ~ p').first().textContent()).toContain('contribute to the final reporting and evaluation');
    await expectAccessible(page, 'headteacher page overdue');
    // Hollybrook is in Readiness: no grant of its own, £1,000 promised for Development.
    await page.goto(`${web.address}${await schoolLinkFor(web.service, '100005')}`);
    expect(await page.locator('#grant + p').textContent()).toBe('This phase has no grant of its own. £1,000 is paid when the school takes part in the Development phase in 2027/28, which it can do once the hub judges it Mastery Ready at the end of this year.');
    // Its teachers go to workshops: the page asks for them to be released to every workshop, not "every meeting".
    expect((await page.locator('.app-asks').textContent())!.replace(/\s+/g, ' ')).toMatch(/should be released to attend every workshop \(\d still to come this year\)/);
    expect((await page.locator('.app-asks').textContent())!.replace(/\s+/g, ' ')).toContain('Between workshops the lead teachers try out in class what they learned (gap tasks).');
    expect(await page.locator('#meetings').textContent()).toBe('Upcoming workshops and visits');
    expect(await page.locator('#meetings + table thead th').first().textContent()).toBe('Workshop or visit');
    expect(await page.locator('#meetings + table tbody tr').first().locator('th').textContent()).toMatch(/^Workshop \d of 6$/);
    // Its headteacher was asked to the first workshop and was not there: the record says so, in bold.
    const first = page.locator('#so-far + p + table tbody tr', { hasText: 'Workshop 1 of 6' });
    expect(await first.locator('td strong').textContent()).toBe('2 teachers attended; the headteacher was not there');
    await expectAccessible(page, 'headteacher page readiness');
  });

  it('refuses an altered link with a clear page and none of the school’s data', async () => {
    const link = await schoolLinkFor(web.service, '100004');
    const token = link.split('/').pop()!;
    const [payload, sig] = token.split('.') as [string, string];
    // Point the link at another school, keeping the seal: the seal no longer fits.
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { u: string; e: string };
    const other = Buffer.from(JSON.stringify({ ...claims, u: '100007' })).toString('base64url');
    const page = await browser.page();
    for (const bad of [`${other}.${sig}`, `${payload}.${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`]) {
      const res = await page.goto(`${web.address}/for-schools/${bad}`);
      expect(res?.status()).toBe(403);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('This link does not work');
      expect(await page.locator('main').textContent()).not.toMatch(SCHOOL_DATA);
      expect(await page.locator('meta[name="robots"]').getAttribute('content')).toContain('noindex');
    }
    await expectAccessible(page, 'headteacher link altered');
    // Cut short when copied.
    const res = await page.goto(`${web.address}/for-schools/${token.slice(0, 40)}`);
    expect(res?.status()).toBe(403);
    expect(await page.locator('main').textContent()).toContain('It may have been cut short');
    expect(await page.locator('main').textContent()).not.toMatch(SCHOOL_DATA);
  });

  it('refuses an expired link with 410, none of the school’s data, and says whom to ask for a new link; the hub can make one', async () => {
    // Made on 1 August 2026: 60 days later, well before the page's today (10 November 2026).
    const old = await schoolLinkFor(web.service, '100004', '2026-08-01T09:00:00Z');
    const page = await browser.page();
    const res = await page.goto(`${web.address}${old}`);
    expect(res?.status()).toBe(410);
    expect(res?.headers()['referrer-policy']).toBe('no-referrer');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('This link has expired');
    const main = (await page.locator('main').textContent())!.replace(/\s+/g, ' ');
    // Nothing of the school; the hub lead, who can send a new link, by name and address.
    expect(main.replace(/Priya Shah|priya\.shah@emeast-mathshub\.example/g, '')).not.toMatch(SCHOOL_DATA);
    expect(main).toContain('This link stopped working on 30 September 2026.');
    expect(main).toContain('To get a new link, email Priya Shah at East Midlands East Maths Hub and ask for a new link to your school’s page.');
    expect(await page.locator('main a[href^="mailto:priya.shah@emeast-mathshub.example"]').count()).toBe(1);
    await expectAccessible(page, 'headteacher link expired');
    // The same school's fresh link works.
    expect((await page.goto(`${web.address}${await schoolLinkFor(web.service, '100004')}`))?.status()).toBe(200);
    // The hub lead makes the new link on the school's page: it opens the headteacher's page.
    await signIn(page, web, web.adminToken);
    await page.goto(`${web.address}/hub/schools/100004`);
    await page.getByText('A new link to the headteacher’s page').click();
    const url = (await page.locator('#headteacher-link-url').textContent())!.trim();
    expect(url).toMatch(/\/for-schools\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(await page.locator('#headteacher-link').textContent()).toContain('It works until 30 September 2027.');
    await expectAccessible(page, 'hub school page with the headteacher link');
    const fresh = await browser.page();
    const opened = await fresh.goto(`${web.address}${new URL(url).pathname}`);
    expect(opened?.status()).toBe(200);
    expect(await fresh.getByRole('heading', { level: 1 }).textContent()).toBe('Riverside Academy');
  });

  it('lets the school send its evaluation on the page: the field is required, it is recorded once, then shown as received', async () => {
    // Kingsway went to every meeting of 2025/26 and never sent its evaluation: the overdue email's link lands here.
    const link = await schoolLinkFor(web.service, '100007');
    const evaluations = async () => (await web.service.engine.history('100007')).entries.filter((e) => e.type === 'EVALUATION_SUBMITTED');
    expect(await evaluations()).toHaveLength(0);
    const page = await browser.page();
    await page.goto(`${web.address}${link}#evaluation`);
    const send = page.getByRole('button', { name: 'Send the evaluation to the hub' });
    expect(await send.count()).toBe(1);
    expect((await page.locator('.app-asks').textContent())!.replace(/\s+/g, ' ')).toContain('Send it on this page, under “The end-of-year evaluation”.');
    const csrf = (await page.locator('main form input[name="_csrf"]').getAttribute('value'))!;

    // Nothing written: an error summary linking to the field, the same error at the field, nothing recorded.
    await send.click();
    await page.waitForLoadState('domcontentloaded');
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('Enter your school’s evaluation');
    expect(await page.locator('.govuk-error-summary a').getAttribute('href')).toBe('#evaluation-text');
    expect(await page.locator('#evaluation-text-error').textContent()).toContain('Enter your school’s evaluation');
    expect(await evaluations()).toHaveLength(0);
    // Focus moves to the error summary, as on the hub's pages, so a screen reader reads it out first.
    expect(await focused(page)).toMatch(/govuk-error-summary/);
    await expectAccessible(page, 'headteacher evaluation missing');
    // Too long: the rule, with what was typed kept.
    await page.getByLabel('Your school’s evaluation').fill('x'.repeat(5001));
    await send.click();
    await page.waitForLoadState('domcontentloaded');
    expect(await page.locator('#evaluation-text-error').textContent()).toContain('Your school’s evaluation must be 5,000 characters or fewer (it has 5,001)');
    expect(await page.getByLabel('Your school’s evaluation').inputValue()).toHaveLength(5001);
    expect(await evaluations()).toHaveLength(0);

    // Sent by the button and, at the same moment, by the same form again (a double click): both requests read the
    // school before either writes (held at a barrier, as a slow connection can make them). The hub has it once,
    // from the school's link, and the page says so.
    const text = 'Both lead teachers now plan lessons in small steps; next year we will share this with Key Stage 1.';
    const engine = web.service.engine;
    const realState = engine.state;
    const held: (() => void)[] = [];
    engine.state = async (urn: string) => {
      const st = await realState.call(engine, urn);
      if (urn === '100007' && held.length < 2) await new Promise<void>((go) => held.push(go) === 2 && held.forEach((f) => f()));
      return st;
    };
    try {
      await page.getByLabel('Your school’s evaluation').fill(text);
      const [, twin] = await Promise.all([send.click(), page.request.post(`${web.address}${link}`, { form: { _csrf: csrf, evaluation: text }, maxRedirects: 0 })]);
      expect([twin.status(), twin.headers()['location']]).toEqual([303, link]);
      await page.waitForLoadState('domcontentloaded');
    } finally {
      engine.state = realState;
    }
    expect(held).toHaveLength(2);
    // Focus moves to the success banner, as on the hub's pages.
    expect(await focused(page)).toMatch(/govuk-notification-banner--success/);
    expect(await page.locator('.govuk-notification-banner').textContent()).toMatch(/Your evaluation has been sent to the hub\. Thank you\.|The hub already has your evaluation: it was received on 10 November 2026\./);
    expect((await page.locator('#evaluation ~ p').first().textContent())!.trim()).toBe('The hub received your evaluation on 10 November 2026. Thank you.');
    expect(await page.locator('main form').count()).toBe(0);
    const recorded = await evaluations();
    expect(recorded.map((e) => ({ actor: e.actor, summary: (e.payload as { summary: string }).summary }))).toEqual([{ actor: 'school-link:100007', summary: text }]);
    await expectAccessible(page, 'headteacher evaluation sent');

    // The same form sent again later, twice at once (the back button): nothing more is recorded, and the page says the hub has it.
    // Each reply goes back to the page; the banner is read once after both, since the two share one session cookie and
    // whichever page loads first takes the message from it.
    const again = await Promise.all([0, 1].map(() => page.request.post(`${web.address}${link}`, { form: { _csrf: csrf, evaluation: text }, maxRedirects: 0 })));
    expect(again.map((r) => [r.status(), r.headers()['location']])).toEqual([[303, link], [303, link]]);
    await page.goto(`${web.address}${link}`);
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('The hub already has your evaluation: it was received on 10 November 2026. There is nothing more to send.');
    expect(await evaluations()).toHaveLength(1);
  });

  it('refuses an evaluation the school’s state does not take yet, in plain words, and stores nothing', async () => {
    const page = await browser.page();
    // A token for this session from a page with a form (Kingsway's page no longer has one: take it from the sign-in page).
    await page.goto(`${web.address}/sign-in`);
    const csrf = (await page.locator('input[name="_csrf"]').getAttribute('value'))!;
    const riverside = await schoolLinkFor(web.service, '100004');
    const before = (await web.service.engine.history('100004')).entries.length;
    const r = await page.request.post(`${web.address}${riverside}`, { form: { _csrf: csrf, evaluation: 'Our evaluation' } });
    expect(r.status()).toBe(409);
    const html = (await r.text()).replace(/\s+/g, ' ');
    expect(html).toContain('Your evaluation was not sent');
    expect(html).toContain('The evaluation can be sent once the school’s teachers have been to all the meetings this year.');
    expect((await web.service.engine.history('100004')).entries.length).toBe(before);
    // Without the form's token: refused, nothing stored.
    expect((await page.request.post(`${web.address}${await schoolLinkFor(web.service, '100007')}`, { form: { evaluation: 'x' } })).status()).toBe(403);
  });
});
