/**
 * The auditor's pages in a real browser: a school's state on a date (a date
 * before and after an event shows a different school), the verdict on its
 * history in words (intact, then altered behind the log's back), the
 * printable report, the funding ledger and its CSV download, and another
 * hub's people refused with none of the data. axe on every page as an
 * auditor and as hub staff.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { downloadText, expectAccessible, screenshot, signIn, useBrowser, useWebService, type WebService } from './helpers/browser.js';
import { MACHINE_VERSION } from '../machines/pathway.js';
import { csvCell, ledgerCsv, type LedgerRow } from '../service/ledger.js';
import { verdictInWords } from '../service/school-audit.js';
import { sentMessages } from '../store/messages.js';
import { daysBefore, londonDateOf } from '../domain/calendar/london.js';

/** RFC 4180 rows: quoted cells may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const s = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(cell), (cell = '');
    else if (ch === '\r' && s[i + 1] === '\n') {
      row.push(cell), rows.push(row), (row = []), (cell = ''), i++;
    } else cell += ch;
  }
  if (cell !== '' || row.length) row.push(cell), rows.push(row);
  return rows;
}

const HUB = 'east-midlands-east';

/** The service stopped over a meeting: the clock jumps an hour past the meeting of `urn`'s next reminder before its timer fires, so the reminder comes too late and is recorded as not sent. */
async function makeNextReminderLate(web: WebService, urn: string): Promise<void> {
  const r = await web.service.db.query<{ due_at: string | Date; event: { daysBefore: number } }>("SELECT due_at, event FROM timers WHERE urn = $1 AND event->>'type' = 'REMINDER_DUE' ORDER BY due_at LIMIT 1", [urn]);
  const t = r.rows[0]!;
  const after = new Date(new Date(t.due_at).getTime() + t.event.daysBefore * 86_400_000 + 3_600_000).toISOString();
  web.clock.advanceTo(after);
  await web.tick(after);
}

async function summaryText(page: Page, key: string): Promise<string> {
  const row = page.locator('.app-state .govuk-summary-list__row').filter({ has: page.locator('dt', { hasText: new RegExp(`^\\s*${key}\\s*$`) }) });
  return ((await row.locator('dd').textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/** Fills the "State on" date boxes and asks for the school on that date. */
async function stateOn(page: Page, day: string, month: string, year: string): Promise<void> {
  await page.getByLabel('Day').fill(day);
  await page.getByLabel('Month').fill(month);
  await page.getByLabel('Year').fill(year);
  await page.getByRole('button', { name: 'Show the school on this date' }).click();
}

describe('auditor pages', () => {
  const web = useWebService();
  const browser = useBrowser();

  it('shows a school on a date before and after an event, the verdict in words, and the events to that date', async () => {
    const auditor = await web.addUser({ name: 'Ada Auditor', role: 'auditor', hubs: [HUB] });
    const page = await browser.page();
    await signIn(page, web, auditor, '/audit');
    expect(new URL(page.url()).pathname).toBe('/audit');
    await expectAccessible(page, 'audit home as auditor');
    // The schools list links each school; the search finds one by URN.
    expect(await page.getByRole('link', { name: 'Riverside Academy' }).getAttribute('href')).toBe('/audit/schools/100004');
    await page.getByLabel('Unique reference number (URN)').fill('100004');
    await page.getByRole('button', { name: 'Find school' }).click();
    expect(new URL(page.url()).pathname).toBe('/audit/schools/100004');

    const history = await web.api<{ entries: { type: string; occurredAt: string }[] }>('GET', '/schools/100004/history');
    const total = history.body.entries.length;
    const verdict = (await page.locator('#verdict').textContent())!.replace(/\s+/g, ' ');
    expect(verdict).toContain(`The history is intact: ${total} events, each linked to the one before.`);
    await expectAccessible(page, 'audit school today');

    // The first meeting's attendance (10 September 2026) released the grant: before it, nothing; after it, £2,000.
    const released = history.body.entries.find((e) => e.type === 'ATTENDANCE_RECORDED')!;
    expect(released.occurredAt.slice(0, 10)).toBe('2026-09-10');
    await stateOn(page, '9', '9', '2026');
    expect(new URL(page.url()).search).toBe('?at=2026-09-09');
    // The boxes keep the date shown.
    expect([await page.getByLabel('Day').inputValue(), await page.getByLabel('Month').inputValue(), await page.getByLabel('Year').inputValue()]).toEqual(['9', '9', '2026']);
    expect(await page.getByRole('heading', { name: 'The school on Wednesday 9 September 2026' }).count()).toBe(1);
    expect(await summaryText(page, 'Meetings held')).toBe('0 of 6 required');
    expect(await summaryText(page, 'Grant paid this phase')).toBe('Nothing yet');
    const before = history.body.entries.filter((e) => Date.parse(e.occurredAt) < Date.parse('2026-09-10T00:00:00+01:00')).length;
    expect(await page.locator('.app-events tbody tr').count()).toBe(before);
    expect(await page.content()).toContain('No grant had been paid to this school by then.');
    await expectAccessible(page, 'audit school before the first meeting');

    await stateOn(page, '10', '9', '2026');
    expect(await summaryText(page, 'Meetings held')).toBe('1 of 6 required');
    expect(await summaryText(page, 'Grant paid this phase')).toBe('£2,000');
    const rows = page.locator('.app-events tbody tr');
    expect(await rows.count()).toBeGreaterThan(before);
    const texts = (await rows.allTextContents()).map((t) => t.replace(/\s+/g, ' '));
    // In words, never an event name or an internal session id.
    const last = texts.find((t) => t.includes('Attendance recorded at Work Group meeting 1 of 6 (Thursday 10 September 2026, 9am): 2 teachers, headteacher not present'));
    expect(last, texts.join('\n')).toBeDefined();
    expect(last).toContain('Demo set-up');
    // The rules version the demo decided it under: this build's (pathway@1.1.0 when written).
    expect(last).toContain(MACHINE_VERSION.replace(/^pathway@/, ''));
    // The grant it released is in the ledger at the school time of that event (4be4458: paid_at is the school time), right after it.
    expect(texts.at(-1)).toMatch(/^ ?Grant of £2,000 paid for .*Thu 10 Sep 2026, 1pm/);
    expect(texts.indexOf(last!)).toBe(texts.length - 2);
    const html = await page.locator('main').textContent();
    expect(html).not.toMatch(/ATTENDANCE_RECORDED|SCHEDULE_SET|REMINDER_DUE|secondary-development-2026-27\./);
    // The verdict is about the whole history, whatever the date.
    expect(await page.locator('#verdict').textContent()).toContain(`${total} events`);

    // A date that does not exist is a field error, with the school as it is today and nothing else changed.
    await stateOn(page, '30', '2', '2026');
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('The date must be a real date, for example 27 3 2027');
    expect(await page.locator('.govuk-error-summary a').getAttribute('href')).toBe('#at-day');
    expect(await page.getByLabel('Day').inputValue()).toBe('30');
    expect(await page.getByRole('heading', { name: 'The school today' }).count()).toBe(1);
    await expectAccessible(page, 'audit school bad date');
    // A box left empty names the box; a link with a date that does not exist says so too.
    await stateOn(page, '3', '', '2026');
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('The date must include a month');
    expect(await page.locator('.govuk-error-summary a').getAttribute('href')).toBe('#at-month');
    await page.goto(`${web.address}/audit/schools/100004?at=2026-02-30`);
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('The date must be a real date');
    // A history says nothing of days to come: a date after today is refused, typed or linked, with the boxes kept.
    await stateOn(page, '1', '1', '2030');
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('The date must be today or in the past');
    expect(await page.getByLabel('Year').inputValue()).toBe('2030');
    expect(await page.getByRole('heading', { name: 'The school today' }).count()).toBe(1);
    await page.goto(`${web.address}/audit/schools/100004?at=2030-01-01`);
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('The date must be today or in the past (the link asked for 1 January 2030)');
    // A Readiness school counts workshops; a phase just completed is the current one, not an earlier one.
    await page.goto(`${web.address}/audit/schools/100005`);
    expect(await summaryText(page, 'Workshops held')).toMatch(/^\d+ of \d+ required$/);
    await page.goto(`${web.address}/audit/schools/100001`);
    expect(await summaryText(page, 'Status')).toBe('Completed');
    expect(await summaryText(page, 'Earlier phases')).toBe('None');
    // The TRG pilot pays no grant: not "Nothing yet" for a phase completed years ago.
    expect(await summaryText(page, 'Grant paid this phase')).toBe('None: this phase has no grant');
    // Empty boxes: the school today.
    await stateOn(page, '', '', '');
    expect(new URL(page.url()).search).toBe('');
  });

  it('says plainly when a history was altered behind the log’s back', async () => {
    // Change an event of one school directly in the database, as an intruder would.
    await web.service.db.tx(async (tx) => {
      await tx.query('ALTER TABLE events DISABLE TRIGGER events_append_only');
      await tx.query("UPDATE events SET payload = jsonb_set(payload, '{reason}', '\"someone rewrote this\"') WHERE urn = '100009' AND type = 'WAITLISTED'");
      await tx.query('ALTER TABLE events ENABLE TRIGGER events_append_only');
    });
    const changed = (await web.api<{ entries: { version: number; type: string }[] }>('GET', '/schools/100009/history')).body.entries.find((e) => e.type === 'WAITLISTED')!;
    const auditor = await web.addUser({ name: 'Ada Auditor 2', role: 'auditor', hubs: [HUB] });
    const page = await browser.page();
    await signIn(page, web, auditor, '/audit/schools/100009');
    const verdict = (await page.locator('#verdict').textContent())!.replace(/\s+/g, ' ');
    expect(verdict).toContain(`The history has been altered: event ${changed.version} does not match what was recorded: it was changed after it was written.`);
    expect(verdict).not.toMatch(/WAITLISTED|prev_hash|hash [0-9a-f]{6}/);
    await expectAccessible(page, 'audit school altered');
    // The other schools' histories are still intact.
    await page.goto(`${web.address}/audit/schools/100004`);
    expect(await page.locator('#verdict').textContent()).toContain('The history is intact');
  });

  it('renders a printable audit report with the verdict, payments, history and the date produced', async () => {
    const auditor = await web.addUser({ name: 'Report Reader', role: 'auditor', hubs: [HUB] });
    const page = await browser.page();
    await signIn(page, web, auditor, '/audit/schools/100002');
    await page.getByRole('link', { name: 'Printable audit report' }).click();
    expect(new URL(page.url()).pathname).toBe('/audit/schools/100002/report');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Audit report: Minster Hill Academy');
    const meta = (await page.locator('.app-report__meta').textContent())!.replace(/\s+/g, ' ');
    expect(meta).toContain('Produced Tuesday 10 November 2026, 9am');
    expect(meta).toContain('Produced by Report Reader');
    expect(await page.locator('#verdict').textContent()).toContain('The history is intact');
    const total = (await web.api<{ entries: unknown[] }>('GET', '/schools/100002/history')).body.entries.length;
    // Each event, and the one grant paid as a dated entry after the event that released it.
    expect(await page.locator('.app-events tbody tr').count()).toBe(total + 1);
    // Three phases, one grant (Development); Embedding and Sustaining pay none.
    expect((await page.locator('main').textContent())!.replace(/\s+/g, ' ')).toMatch(/Development Work Group 2024\/25.*£2,000/);
    await expectAccessible(page, 'audit report');
    // Printed: no header, navigation or sign-out; the report itself stays.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.app-header').isVisible()).toBe(false);
    expect(await page.locator('.govuk-service-navigation').isVisible()).toBe(false);
    expect(await page.locator('#verdict').isVisible()).toBe(true);
    await screenshot(page, 'audit report printed');
    const pdf = await page.pdf({ format: 'A4', landscape: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('lists every payment with what released it, filters by year, and downloads the same as CSV', async () => {
    const auditor = await web.addUser({ name: 'Ledger Reader', role: 'auditor', hubs: [HUB] });
    const page = await browser.page();
    await signIn(page, web, auditor, '/audit/ledger');
    await expectAccessible(page, 'audit ledger');
    const htmlRows = await page.locator('.app-ledger tbody tr').allTextContents();
    expect(htmlRows.length).toBeGreaterThan(0);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /as a spreadsheet \(CSV\)/ }).click()]);
    expect(download.suggestedFilename()).toBe('funding-ledger-east-midlands-east-2026-11-10.csv');
    const csv = parseCsv(await downloadText(download));
    expect(csv[0]).toEqual(['URN', 'School', 'Maths Hub', 'Programme', 'Academic year', 'Amount (GBP)', 'Amount (pence)', 'Paid on', 'Released by event', 'What released it', 'Event happened', 'Payment reference', 'Carried out (UTC)']);
    const body = csv.slice(1);
    expect(body).toHaveLength(htmlRows.length);
    // Each row's amount is the school's grant: the current phase's as the engine holds it.
    for (const r of body) {
      const [urn, , hub, , year, pounds, pence] = r as [string, string, string, string, string, string, string];
      expect(hub).toBe('East Midlands East');
      expect(Number(pounds) * 100).toBe(Number(pence));
      const s = (await web.api<{ summary: { academicYear: string; fundingPaidPence: number } }>('GET', `/schools/${urn}`)).body.summary;
      if (s.academicYear === year) expect(s.fundingPaidPence).toBe(Number(pence));
    }
    const riverside = body.find((r) => r[0] === '100004')!;
    expect(riverside.slice(4, 7)).toEqual(['2026/27', '2000.00', '200000']);
    expect(riverside[8]).toMatch(/^\d+$/);
    expect(riverside[9]).toContain('Attendance recorded at Work Group meeting 1 of 6');
    expect(riverside[10]).toBe('2026-09-10');
    const total = body.reduce((n, r) => n + Number(r[6]), 0);
    expect((await page.locator('.app-count').textContent())!.trim()).toBe(`£${(total / 100).toLocaleString('en-GB')}`);

    // The year filter is a bookmarkable address; the CSV link keeps it.
    await page.getByLabel('Academic year').selectOption('2025/26');
    await page.getByRole('button', { name: 'Show payments' }).click();
    expect(new URL(page.url()).search).toBe('?year=2025%2F26');
    const yearRows = await page.locator('.app-ledger tbody tr').count();
    expect(yearRows).toBe(body.filter((r) => r[4] === '2025/26').length);
    const res = await page.evaluate(async (href) => {
      const r = await fetch(href);
      return { status: r.status, type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition'), text: await r.text() };
    }, (await page.getByRole('link', { name: /as a spreadsheet \(CSV\)/ }).getAttribute('href'))!);
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/csv; charset=utf-8');
    expect(res.disposition).toBe('attachment; filename="funding-ledger-east-midlands-east-2025-26-2026-11-10.csv"');
    expect(parseCsv(res.text).slice(1).map((r) => r[4])).toEqual(Array(yearRows).fill('2025/26'));
  });

  it('writes CSV a spreadsheet cannot run: formulas neutralised, quotes and commas kept', () => {
    expect(csvCell('=HYPERLINK("http://evil","x")')).toBe(`"'=HYPERLINK(""http://evil"",""x"")"`);
    expect(csvCell('+44 20')).toBe("'+44 20");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('St Anne’s, Derby')).toBe('"St Anne’s, Derby"');
    expect(csvCell(200000)).toBe('200000');
    const row: LedgerRow = { key: 'k', urn: '1', school: '=cmd|calc', hubId: null, hub: 'H', programmeId: 'p', programme: 'P', academicYear: '2026/27', amountPence: 100000, paidAt: '2026-09-10T12:00:00Z', recordedAt: null, releasedBy: null };
    const parsed = parseCsv(ledgerCsv([row], (x) => x.slice(0, 10)));
    expect(parsed[1]![1]).toBe("'=cmd|calc");
  });

  it('hub staff read their own hub’s audit pages; another hub’s people get none of its data', async () => {
    const staff = await web.addUser({ name: 'Hana Hubstaff', role: 'hub_staff', hubs: [HUB] });
    const page = await browser.page();
    await signIn(page, web, staff, '/audit');
    await expectAccessible(page, 'audit home as hub staff');
    await page.goto(`${web.address}/audit/schools/100004?at=2026-10-01`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Riverside Academy');
    await expectAccessible(page, 'audit school as hub staff');
    await page.goto(`${web.address}/audit/schools/100004/report`);
    await expectAccessible(page, 'audit report as hub staff');
    await page.goto(`${web.address}/audit/ledger`);
    await expectAccessible(page, 'audit ledger as hub staff');

    for (const role of ['hub_staff', 'auditor'] as const) {
      const other = await web.addUser({ name: `Other ${role}`, role, hubs: ['cambridge'] });
      const p = await browser.page();
      await signIn(p, web, other, '/audit');
      // Another hub's school is answered exactly as a URN that does not exist (issue 12, d8867e8: a refusal must not confirm the URN).
      for (const path of ['/audit/schools/100004', '/audit/schools/100004?at=2026-10-01', '/audit/schools/100004/report']) {
        const r = await p.goto(`${web.address}${path}`);
        expect(r?.status(), path).toBe(404);
        const text = (await p.locator('main').textContent()) ?? '';
        expect(text).not.toMatch(/Riverside|Attendance|£2,000|Gareth/);
        const missing = await p.goto(`${web.address}${path.replace('100004', '999999')}`);
        expect(missing?.status(), path).toBe(404);
        expect(text, path).toBe(((await p.locator('main').textContent()) ?? '').replaceAll('999999', '100004'));
      }
      // Asking for the other hub by name is refused too, never swapped for their own.
      expect((await p.goto(`${web.address}/audit/ledger?hub=${HUB}`))?.status()).toBe(403);
      // Their own hub's ledger and CSV hold none of the demo hub's payments.
      await p.goto(`${web.address}/audit/ledger`);
      expect(await p.locator('main').textContent()).toContain('No grant has been paid to a school of this hub.');
      const csv = await p.evaluate(async () => (await fetch('/audit/ledger.csv')).text());
      expect(parseCsv(csv)).toHaveLength(1);
      await p.goto(`${web.address}/audit`);
      expect(await p.locator('main').textContent()).not.toMatch(/Riverside|Minster Hill/);
      if (role === 'auditor') await expectAccessible(p, 'audit home other hub auditor');
    }
  });

  it('sends someone signed out to sign in and back to the audit page asked for', async () => {
    const page = await browser.page();
    await page.goto(`${web.address}/audit/ledger.csv?year=2025%2F26`).catch(() => undefined);
    await page.goto(`${web.address}/audit/schools/100004?at=2026-09-09`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    const auditor = await web.addUser({ name: 'Late Auditor', role: 'auditor', hubs: [HUB] });
    await page.getByLabel('Sign-in key').fill(auditor);
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/audit/schools/100004?at=2026-09-09');
  });

  it('words the verdict for a deleted event and for a history that no longer replays', () => {
    expect(verdictInWords({ tampered: { version: 3, reason: 'version 3 is missing from the log: the next event stored is version 4, so events were deleted' } }, 10).headline).toBe('The history has been altered: event 3 has been deleted.');
    expect(verdictInWords({ tampered: null, replayMatches: false, replayError: 'version 4 (EVALUATION_SUBMITTED) does not replay: x' }, 10).headline).toBe(
      'The events are intact, but running the rules over them again does not give the states that were stored (from event 4).',
    );
    expect(verdictInWords({ tampered: null, replayMatches: true, replayError: null }, 1).headline).toBe('The history is intact: 1 event, each linked to the one before.');
  });
  it('says a reminder about a meeting already past was not sent, on the audit page and the printed report', async () => {
    // The demo sends every reminder on time; a host stopped over a meeting (the clock jumps past it before the reminder's
    // timer fires) records the reminder as skipped, not sent. Last in the file: it moves the clock on.
    expect((await sentMessages(web.service.db, { status: 'skipped' })).filter((m) => /:reminder:/.test(m.key)), 'the demo skips no reminder').toEqual([]);
    await makeNextReminderLate(web, '100004');
    const skipped = (await sentMessages(web.service.db, { status: 'skipped' })).find((m) => /:reminder:/.test(m.key) && /which had passed/.test(m.note ?? ''));
    expect(skipped, 'a reminder not sent because its session had passed').toBeDefined();
    const [, sessionId, start, days] = /:reminder:([^:]+):(.+):(\d+)$/.exec(skipped!.key)!;
    // The timer's event for that same reminder: same session, same days before, fired n days before that start, or
    // on the school day it was moved to when that day was closed (the demo records its schools' open days).
    const history = await web.api<{ entries: { version: number; type: string; payload: { sessionId?: string; daysBefore?: number; at?: string } }[] }>('GET', `/schools/${skipped!.urn}/history`);
    const fired = history.body.entries.filter(
      (e) => e.type === 'REMINDER_DUE' && e.payload.sessionId === sessionId && e.payload.daysBefore === Number(days) && Date.parse(e.payload.at ?? '') >= Date.parse(daysBefore(start!, Number(days) + 7)) && Date.parse(e.payload.at ?? '') < Date.parse(start!),
    );
    expect(fired).toHaveLength(1);
    // The words count the days from the day it was due to go out, not the policy's number.
    const ahead = Math.round((Date.parse(londonDateOf(start!)) - Date.parse(londonDateOf(fired[0]!.payload.at!))) / 86_400_000);
    const auditor = await web.addUser({ name: 'Skip Checker', role: 'auditor', hubs: [HUB] });
    const page = await browser.page();
    await signIn(page, web, auditor, `/audit/schools/${skipped!.urn}`);
    for (const where of ['audit page', 'report']) {
      const row = page.locator('.app-events tbody tr').filter({ has: page.locator('td:first-child', { hasText: new RegExp(`^\\s*${fired[0]!.version}\\s*$`) }) });
      expect(await row.count(), where).toBe(1);
      const what = (await row.locator('td').nth(1).innerText()).replace(/\s+/g, ' ').trim();
      expect(what, where).toMatch(/^Reminder not sent: the (meeting|workshop|visit|in-school day) had already happened [A-Z]/);
      expect(what, where).toMatch(new RegExp(`${ahead === 1 ? 'tomorrow' : `in ${ahead} days`}\\. It was about .* which had passed`));
      expect(what, where).not.toMatch(/Reminder sent/);
      if (where === 'audit page') await page.getByRole('link', { name: 'Printable audit report' }).click();
    }
    expect(new URL(page.url()).pathname).toBe(`/audit/schools/${skipped!.urn}/report`);
  });

});
