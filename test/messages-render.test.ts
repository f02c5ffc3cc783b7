/**
 * Messages as a headteacher or a hub lead reads them, rendered from the
 * templates (activities/mail/render.ts): every kind has a subject, an HTML
 * part and a text part made from the same data; no part shows an internal id,
 * CLI or API syntax, or the catalogue's "(rules carried …)" note; dates and
 * times are right in London across the October and March clock changes; a
 * message about a moment that has passed is not sent. Pure (no database).
 */
import { describe, expect, it } from 'vitest';
import { MESSAGE_KINDS, groupNameInMail, programmeTitle, renderMessage, templateFor, type RenderContext } from '../activities/mail/render.js';
import { countdown, longWhen, shortWhen } from '../activities/mail/format.js';
import { whyNotSend } from '../activities/mail/timeliness.js';
import { partsOf, addressProblem, allExampleMessages } from '../activities/index.js';
import type { MessageData } from '../machines/effects.js';
import { programmeFor } from '../domain/catalogue/programmes.js';

const INTERNAL = [/\w+-\d{4}-\d{2}\.\w+-\d+/, /pathway /i, /GET \//, /rules carried/i, /emeast-development-2025-a/, /\bday\(s\)/, /at to be confirmed/, /at venue to be confirmed/];

const session = (id: string, startsAt: string, endsAt: string, n: number, of = 6, kind = 'meeting') => ({ session: id, kind, startsAt, endsAt, place: 'to be confirmed', n, of });

/** Data with every field any template reads, internal ids included (they must never be printed). */
function sample(): MessageData {
  return {
    school: 'Kingsmead Academy',
    urn: '137001',
    hub: 'East Midlands East',
    programme: 'Secondary Teaching for Mastery Development Work Group 2025/26 (rules carried forward from 2024/25)',
    programmeId: 'secondary-development-2025-26',
    academicYear: '2025/26',
    leader: 'Secondary Mastery Specialist',
    groupId: 'emeast-development-2025-a',
    headteacher: 'Priya Patel',
    ...session('secondary-development-2025-26.meeting-02', '2025-11-04T13:30:00+00:00', '2025-11-04T16:00:00.000Z', 2),
    when: 'Tuesday 4 November 2025, 13:30',
    daysBefore: 14,
    decidedAt: '2025-10-21T13:30:00+01:00',
    from: 'Tuesday 28 October 2025, 13:30',
    fromStartsAt: '2025-10-28T13:30:00+00:00',
    fromPlace: 'to be confirmed',
    reason: 'the venue is closed',
    alternative: 'a place in next year’s group',
    amount: '£2,000',
    amountPence: 200_000,
    purpose: 'towards the cost of releasing the Mastery Advocates',
    paidTo: 'department',
    due: 'Monday 31 August 2026, 23:59',
    dueAt: '2026-08-31T23:59:00+01:00',
    year: '2025/26',
    sessions: [
      session('secondary-development-2025-26.meeting-01', '2025-10-02T09:00:00+01:00', '2025-10-02T11:30:00.000Z', 1),
      session('secondary-development-2025-26.meeting-02', '2025-11-04T13:30:00+00:00', '2025-11-04T16:00:00.000Z', 2),
    ],
    firstSession: 'secondary-development-2025-26.meeting-01',
    headteacherAttendsFirst: true,
  };
}

const ctx: RenderContext = {
  publicUrl: 'https://pathway.example.org',
  schoolLink: 'https://pathway.example.org/for-schools/abc.def',
  hubLead: { name: 'Priya Shah', email: 'priya.shah@emeast-mathshub.example' },
  group: { name: 'East Midlands East secondary group A', lead: { name: 'David Okafor', email: 'd.okafor@emeast-mathshub.example' } },
};

describe('every message kind', () => {
  it.each(Object.keys(MESSAGE_KINDS))('%s: subject, HTML and text parts, nothing internal', (kind) => {
    const m = renderMessage({ template: kind, urn: '137001', data: sample() }, ctx);
    expect(m.subject.length).toBeGreaterThan(10);
    expect(m.text.length).toBeGreaterThan(50);
    expect(m.html).toMatch(/^<!DOCTYPE html>\s*<html lang="en">/);
    expect(m.html).toContain(`<title>${m.subject.replace(/&/g, '&amp;').replace(/'/g, '&#39;')}</title>`);
    expect(m.html).toMatch(/<h1[^>]*>[^<]+<\/h1>/);
    expect(m.html).not.toMatch(/<img/);
    for (const part of [m.subject, m.text, m.html, m.ics?.content ?? '']) for (const bad of INTERNAL) expect(part).not.toMatch(bad);
    // Every link says where it goes: no "click here", no bare URL as link text.
    for (const [, text] of m.html.matchAll(/<a [^>]*>([^<]*)<\/a>/g)) {
      expect(text).not.toMatch(/^(click )?here$/i);
      if (!text!.includes('@')) expect(text).not.toMatch(/^https?:/);
    }
    // The same facts in both parts.
    expect(m.text).toContain('Kingsmead Academy');
    expect(m.html).toContain('Kingsmead Academy');
  });

  it('reads the school what is asked of it and the hub lead the escalation, each with the right link', () => {
    const school = renderMessage({ template: templateFor('session-missed', 'school'), urn: '137001', data: sample() }, ctx);
    const hub = renderMessage({ template: templateFor('session-missed', 'hub'), urn: '137001', data: sample() }, ctx);
    expect(school.subject).toBe('Maths Hub: we missed Kingsmead Academy at Work Group meeting 2 of 6');
    expect(school.text).not.toMatch(/follow up with the school/i);
    expect(school.text).toContain('https://pathway.example.org/for-schools/abc.def');
    expect(hub.subject).toBe('Escalation: Kingsmead Academy missed Work Group meeting 2 of 6 on Tue 4 Nov, 1.30pm to 4pm');
    expect(hub.text).toContain('https://pathway.example.org/hub/schools/137001');
    expect(hub.html).toContain('<a href="https://pathway.example.org/hub/schools/137001" style="color:#1d70b8;font-weight:bold;">Open Kingsmead Academy’s page on the hub site</a>');
    expect(hub.text).not.toContain('/for-schools/');
  });

  it('splits an escalation into a message for the school and one for the hub lead', () => {
    const lead = { name: 'Priya Shah', email: 'p@hub.example' };
    const parts = partsOf({ key: 'k', template: 'evaluation-overdue', to: ['hubLead', 'headteacher'], recipients: [{ role: 'headteacher', name: 'H', email: 'h@s.example' }] }, lead);
    expect(parts).toEqual([
      { key: 'k', audience: 'school', template: 'evaluation-overdue-school', to: [{ role: 'headteacher', name: 'H', email: 'h@s.example' }] },
      { key: 'k:hub', audience: 'hub', template: 'evaluation-overdue', to: [{ role: 'hubLead', ...lead }] },
    ]);
    expect(partsOf({ key: 'k', template: 'attendance-missing', to: ['hubLead'], recipients: [] }, lead).map((p) => [p.key, p.template])).toEqual([['k', 'attendance-missing']]);
    expect(partsOf({ key: 'k', template: 'withdrawn', to: ['headteacher', 'hubLead'], recipients: [] }, lead).map((p) => [p.key, p.template])).toEqual([['k', 'withdrawn'], ['k:hub', 'withdrawn-hub']]);
  });

  it('the hub lead’s "attendance not recorded" links to what is overdue on the school’s page, which links to the attendance form', () => {
    const m = renderMessage({ template: 'attendance-missing', urn: '137001', data: sample() }, ctx);
    const link = 'https://pathway.example.org/hub/schools/137001#overdue';
    expect(m.text).toContain(`Record attendance: ${link}`);
    expect(m.html).toContain(`href="${link}"`);
    expect(m.html).toContain('Record attendance at Work Group meeting 2 of 6');
    // A school whose grant was paid already still has its move waiting: the email claims no more than is true.
    expect(m.text.replace(/\s+/g, ' ')).toContain('any grant still due and its move to the next phase wait for it');
    expect(m.text).not.toContain('its grant and next phase wait');
  });

  it('the reminder reads as the issue asks: subject, "Meeting n of m", London date, venue to be confirmed, "in 14 days"', () => {
    const m = renderMessage({ template: 'session-reminder', urn: '137001', data: sample() }, ctx);
    expect(m.subject).toBe('Maths Hub: Work Group meeting 2 of 6 on Tue 4 Nov, 1.30pm to 4pm');
    expect(m.text).toContain('is in 14 days');
    expect(m.text).toContain('When: Tuesday 4 November 2025, 1.30pm to 4pm');
    expect(m.text).toContain('Where: Venue to be confirmed');
    expect(m.text).toContain('Led by: David Okafor (East Midlands East secondary group A)');
    expect(m.text).toContain('Secondary Teaching for Mastery Development Work Group');
    // It goes to the two teachers, who cannot release themselves: it says who can.
    expect(m.text.replace(/\s+/g, ' ')).toContain('Both lead teachers are expected at every meeting. If your release for it is not arranged yet, please ask your headteacher now.');
    expect(m.text).not.toContain('make sure both teachers are released');
    // A retry or restart within the day sends the same words (here: past midnight, still "in 14 days").
    expect(renderMessage({ template: 'session-reminder', urn: '137001', data: { ...sample(), decidedAt: '2025-10-21T23:59:00+01:00' } }, { ...ctx, now: '2025-10-22T00:04:00+01:00' }).text).toContain('is in 14 days');
    // Sent a day or more late, "in N days" counts from when it is sent.
    expect(renderMessage({ template: 'session-reminder', urn: '137001', data: sample() }, { ...ctx, now: '2025-11-03T18:00:00Z' }).text).toContain('is tomorrow');
  });

  it('a moved session says where it was in words: at the old place, or that the venue was still to be confirmed', () => {
    const moved = (fromPlace: string) => renderMessage({ template: 'session-moved', urn: '137001', data: { ...sample(), place: 'Kingsmead Academy, room 4', fromPlace } }, ctx);
    const unknown = moved('to be confirmed');
    expect(unknown.text).toContain('It was: Tuesday 28 October 2025, 1.30pm, with the venue still to be confirmed.');
    expect(unknown.html).toContain('with the venue still to be confirmed. It is now:');
    expect(unknown.text).not.toMatch(/at venue to be confirmed/);
    expect(moved('Trent Academy').text).toContain('It was: Tuesday 28 October 2025, 1.30pm, at Trent Academy.');
    // Same place: only the time is said.
    expect(moved('Kingsmead Academy, room 4').text).toContain('It was: Tuesday 28 October 2025, 1.30pm.');
  });

  it('the grant email says how much, what for, when and how it is paid, and whom to ask', () => {
    const m = renderMessage({ template: 'funding-released', urn: '137001', data: sample() }, ctx);
    expect(m.subject).toBe('Maths Hub: grant of £2,000 for Kingsmead Academy');
    expect(m.text).toContain('What it is for: towards the cost of releasing the Mastery Advocates');
    expect(m.text).toContain('When: released on Tuesday 21 October 2025');
    expect(m.text).toMatch(/How: the Maths Hub pays it to the school, for the maths department’s budget/);
    expect(m.text).toContain('Whom to ask: Priya Shah, priya.shah@emeast-mathshub.example');
  });

  it.each(['evaluation-request', 'evaluation-reminder', 'evaluation-overdue-school'])('%s: says the evaluation is written and sent on the school’s page, as the page lets it be', (template) => {
    const m = renderMessage({ template, urn: '137001', data: sample() }, ctx);
    const text = m.text.replace(/\s+/g, ' ');
    expect(text).toContain("Write the evaluation on Kingsmead Academy’s page and send it from there: it goes straight to the hub. Send the evaluation here: https://pathway.example.org/for-schools/abc.def#evaluation");
    expect(text).toContain('You can also reply to this email with it.');
    expect(m.html.replace(/&#39;/g, "'")).toContain("Write the evaluation on Kingsmead Academy’s page and send it from there");
    expect(m.html).toContain('<a href="https://pathway.example.org/for-schools/abc.def#evaluation"');
    // Without a link (a hub's own copy), a reply is the way.
    expect(renderMessage({ template, urn: '137001', data: sample() }, { ...ctx, schoolLink: null }).text).toContain('Reply to this email to send it.');
  });

  it('the evaluation request links to where the evaluation is submitted', () => {
    const m = renderMessage({ template: 'evaluation-request', urn: '137001', data: sample() }, ctx);
    expect(m.text).toContain('Send the evaluation here: https://pathway.example.org/for-schools/abc.def#evaluation');
    expect(m.html).toContain('<a href="https://pathway.example.org/for-schools/abc.def#evaluation"');
    expect(m.subject).toBe('Maths Hub: please send your end-of-year evaluation by Monday 31 August 2026');
    // Says why it comes now, and what waits on it.
    expect(m.text).toContain("Thank you: Kingsmead Academy’s teachers have now been to the meetings that Secondary Teaching for Mastery Development Work Group asks for this year.");
    expect(m.text).toContain('Please send it by Monday 31 August 2026: the school moves to its next phase once we have it.');
  });

  it('a Readiness school’s emails speak of workshops, where a Development school’s speak of meetings', () => {
    const readiness = programmeFor('primary', 'readiness', '2026/27')!;
    const base = sample();
    const sessions = (base.sessions as Record<string, unknown>[]).map((x) => ({ ...x, kind: 'workshop' }));
    const data = { ...base, programme: readiness.name, programmeId: readiness.id, kind: 'workshop', sessions } as MessageData;
    const words: Record<string, string> = {
      'session-reminder': 'Bring the gap tasks set at the last workshop.',
      'schedule-announced': "the school’s two teachers come to every workshop",
      selected: 'Before the first workshop, everyone the commitment form names',
      'evaluation-request': "teachers have now been to the workshops that",
      'session-missed-school': 'come to every workshop. Please reply to this email to tell us what happened, so that we can help the teachers catch up before the next workshop.',
    };
    for (const [template, expected] of Object.entries(words)) {
      const m = renderMessage({ template, urn: '137001', data }, ctx);
      const text = m.text.replace(/\s+/g, ' ');
      expect(text, template).toContain(expected);
      expect(text, template).not.toMatch(/\bmeetings?\b/);
      // The HTML part says the same (one sentence starts with a capital there).
      expect(m.html.replace(/\s+/g, ' ').replace(/&#39;/g, "'").toLowerCase(), template).toContain(expected.toLowerCase());
    }
    // The Development example keeps its meetings; an id the catalogue does not know says meetings too.
    expect(renderMessage({ template: 'selected', urn: '137001', data: sample() }, ctx).text).toContain('Before the first meeting,');
    expect(renderMessage({ template: 'selected', urn: '137001', data: { ...sample(), programmeId: 'no-such-programme' } }, ctx).text).toContain('Before the first meeting,');
  });

  it.each(['evaluation-request', 'evaluation-reminder', 'evaluation-overdue-school'])('%s to a Readiness school says the Development phase also needs the Mastery Ready judgement', (template) => {
    const said = "Once we have it, the school’s Readiness year is complete. To go on to the Development phase, the school must also be judged Mastery Ready: the hub makes that judgement at the end of the year.";
    // A year whose Development follows in the catalogue, and the catalogue's last year (the rules carried forward).
    for (const year of ['2023/24', '2026/27']) {
      const readiness = programmeFor('primary', 'readiness', year)!;
      const m = renderMessage({ template, urn: '137001', data: { ...sample(), programme: readiness.name, programmeId: readiness.id } }, ctx);
      expect(m.text.replace(/\s+/g, ' '), year).toContain(said);
      expect(m.text, year).not.toMatch(/moves to its next phase/);
      expect(m.html.replace(/\s+/g, ' ').replace(/&#39;/g, "'"), year).toContain(said);
    }
    // A Development school moves on once the hub has the evaluation: no judgement to speak of.
    const dev = renderMessage({ template, urn: '137001', data: sample() }, ctx).text;
    expect(dev).toMatch(/moves to its next phase once we have it/);
    expect(dev).not.toMatch(/Mastery Ready/);
  });

  it('escapes what comes from forms in the HTML part, and not in the text part', () => {
    const m = renderMessage({ template: 'selected', urn: '1', data: { ...sample(), school: 'St Mary & St John <CE> School' } }, ctx);
    expect(m.html).toContain('St Mary &amp; St John &lt;CE&gt; School');
    expect(m.html).not.toContain('<CE>');
    expect(m.text).toContain('St Mary & St John <CE> School');
  });

  it('names the programme without the catalogue notes and the year', () => {
    expect(programmeTitle('Primary Mastery Readiness Work Group 2019/20 (rules carried back from 2020/21)')).toBe('Primary Mastery Readiness Work Group');
    expect(programmeTitle('Secondary Teaching for Mastery Development Work Group 2020/21')).toBe('Secondary Teaching for Mastery Development Work Group');
  });

  it('has a rendered example of every kind (for the browser accessibility check)', () => {
    const all = allExampleMessages();
    expect(all.map((x) => x.kind)).toEqual(Object.keys(MESSAGE_KINDS));
    for (const { message } of all) for (const bad of INTERNAL) expect(message.html).not.toMatch(bad);
  });

  it('writes apostrophes as the pages do (“school’s”), in the subject, the text and the HTML of every kind', () => {
    for (const { kind, message } of allExampleMessages()) {
      for (const [part, words] of [['subject', message.subject], ['text', message.text], ['html', message.html.replace(/<[^>]*>/g, ' ').replace(/&#39;/g, "'")]] as const) {
        expect(words, `${kind} ${part}`).not.toMatch(/[A-Za-z]'[A-Za-z]/);
      }
    }
  });

  it('tells a headteacher their application arrived and what comes next, and why the school waits for a place', () => {
    const received = renderMessage({ template: 'application-received', urn: '137001', data: { ...sample(), decidedAt: '2025-06-02T10:00:00+01:00' } }, ctx);
    expect(received.subject).toBe("Maths Hub: we have Kingsmead Academy’s application to Secondary Teaching for Mastery Development Work Group");
    const text = received.text.replace(/\s+/g, ' ');
    expect(text).toContain("We received Kingsmead Academy’s application on Monday 2 June 2025.");
    // Not yet "takes part in": the school has only applied.
    expect(text).toContain('Kingsmead Academy applied to Secondary Teaching for Mastery Development Work Group (2025/26) with');
    expect(text).toContain('The hub checks the application against the programme');
    expect(text).toContain('whether Kingsmead Academy has a place in a Work Group, or why not');
    const waiting = renderMessage({ template: 'waitlisted', urn: '137001', data: { ...sample(), reason: 'the work groups are full; waiting for a place' } }, ctx);
    expect(waiting.subject).toBe('Maths Hub: Kingsmead Academy is on the waiting list for Secondary Teaching for Mastery Development Work Group');
    expect(waiting.text).not.toContain('takes part in');
    expect(waiting.text.replace(/\s+/g, ' ')).toContain('The school is on the waiting list. The reason: the work groups are full; waiting for a place. We will write to you as soon as a place comes up.');
  });

  it('an overdue evaluation that cannot be recorded yet says why, and does not ask for what the page will refuse', () => {
    const short = { ...sample(), year: '2025/26', sessionsHeld: 4, sessionsRequired: 6 };
    const school = renderMessage({ template: 'evaluation-overdue-school', urn: '137001', data: short }, ctx);
    const text = school.text.replace(/\s+/g, ' ');
    expect(text).toContain("Kingsmead Academy’s record shows 4 of the 6 meetings Secondary Teaching for Mastery Development Work Group asks for, so the year’s evaluation cannot be recorded yet.");
    expect(text).toContain('reply to this email and the hub will put the record right');
    expect(text).not.toContain('Send the evaluation here');
    expect(school.html).not.toContain('Send the evaluation for');
    const hub = renderMessage({ template: 'evaluation-overdue', urn: '137001', data: short }, ctx);
    expect(hub.text.replace(/\s+/g, ' ')).toContain('Its record shows 4 of the 6 meetings required');
    // With every meeting held, the evaluation is all that is missing: the link to send it.
    const owed = renderMessage({ template: 'evaluation-overdue-school', urn: '137001', data: { ...short, sessionsHeld: 6 } }, ctx);
    expect(owed.text).toContain('Send the evaluation here');
    expect(owed.text).not.toContain('cannot be recorded yet');
  });

  it('counts a late joiner’s dates in words that agree: "your remaining date", "after one of its dates", "catch up on it"', () => {
    // Joined on 21 October: meeting 1 (2 October) was before, meeting 2 (4 November) is ahead.
    const one = renderMessage({ template: 'schedule-announced', urn: '137001', data: sample() }, ctx);
    expect(one.subject).toBe('Maths Hub: your remaining date for Secondary Teaching for Mastery Development Work Group, 2025/26');
    for (const part of [one.text, one.html]) {
      const t = part.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
      expect(t).toContain('Kingsmead Academy has one date of Secondary Teaching for Mastery Development Work Group still to come this year (2025/26).');
      expect(t).toContain('The school joined the work group after one of its dates had taken place');
      expect(t).toContain('will agree with you how the school’s teachers catch up on it.');
      expect(t).toContain('The calendar file attached puts the date still to come in your calendar.');
    }
    const more = { ...sample(), decidedAt: '2025-11-10T10:00:00Z', sessions: ['2025-10-02', '2025-11-04', '2025-12-02', '2026-01-13', '2026-02-03'].map((d, i) => session(`secondary-development-2025-26.meeting-0${i + 1}`, `${d}T13:30:00Z`, `${d}T16:00:00Z`, i + 1, 5)) };
    const three = renderMessage({ template: 'schedule-announced', urn: '137001', data: more }, ctx);
    expect(three.subject).toBe('Maths Hub: your 3 remaining dates for Secondary Teaching for Mastery Development Work Group, 2025/26');
    const t = three.text.replace(/\s+/g, ' ');
    expect(t).toContain('Kingsmead Academy has 3 dates of');
    expect(t).toContain('after 2 of its dates had taken place');
    expect(t).toContain('catch up on them.');
    expect(t).toContain('puts every date still to come in your calendar');
  });

  it('keeps a blank line before the link at the end of the hub lead’s overdue evaluation email', () => {
    const hub = renderMessage({ template: 'evaluation-overdue', urn: '137001', data: sample() }, ctx);
    expect(hub.text).toMatch(/Please follow up with the school\.\n\nOpen the school’s page: /);
  });

  it('refuses an unknown template, naming the known ones', () => {
    expect(() => renderMessage({ template: 'nope', urn: '1', data: {} })).toThrow(/no message template "nope"; known: application-received, waitlisted, selected, declined/);
  });
});

describe('London dates across the clock changes', () => {
  it.each([
    // October 2025: BST ends on Sunday 26 October.
    ['2025-10-23T12:30:00Z', '2025-10-23T15:00:00Z', 'Thursday 23 October 2025, 1.30pm to 4pm', 'Thu 23 Oct, 1.30pm to 4pm'],
    ['2025-10-30T13:30:00Z', '2025-10-30T16:00:00Z', 'Thursday 30 October 2025, 1.30pm to 4pm', 'Thu 30 Oct, 1.30pm to 4pm'],
    // March 2026: BST starts on Sunday 29 March.
    ['2026-03-26T09:00:00Z', '2026-03-26T11:30:00Z', 'Thursday 26 March 2026, 9am to 11.30am', 'Thu 26 Mar, 9am to 11.30am'],
    ['2026-04-02T08:00:00Z', '2026-04-02T10:30:00Z', 'Thursday 2 April 2026, 9am to 11.30am', 'Thu 2 Apr, 9am to 11.30am'],
    ['2026-04-02T11:00:00Z', '2026-04-02T13:30:00Z', 'Thursday 2 April 2026, midday to 2.30pm', 'Thu 2 Apr, midday to 2.30pm'],
  ])('%s is %s', (start, end, long, short) => {
    expect(longWhen(start, end)).toBe(long);
    expect(shortWhen(start, end)).toBe(short);
    const m = renderMessage({ template: 'session-reminder', urn: '1', data: { ...sample(), startsAt: start, endsAt: end, decidedAt: start } });
    expect(m.text).toContain(`When: ${long}`);
    expect(m.subject).toContain(short);
  });

  it('counts London days across a change: "in 14 days", "tomorrow", "today"', () => {
    // 14 days before a GMT session is in BST: still 14 calendar days.
    expect(countdown('2025-10-16T12:30:00Z', '2025-10-30T13:30:00Z')).toBe('in 14 days');
    expect(countdown('2026-03-28T23:30:00Z', '2026-03-29T22:30:00Z')).toBe('tomorrow'); // Sat 23:30 GMT -> Sun 23:30 BST
    expect(countdown('2026-03-28T23:30:00Z', '2026-03-29T23:30:00Z')).toBe('in 2 days'); // -> Mon 00:30 BST
    expect(countdown('2026-03-29T00:30:00Z', '2026-03-29T22:30:00Z')).toBe('today');
  });
});

describe('mail about the past is not sent', () => {
  const data = sample();
  it('a reminder whose meeting has started is skipped, with the reason', () => {
    const twoDays = { ...data, decidedAt: '2025-11-02T13:30:00Z' };
    expect(whyNotSend('session-reminder', twoDays, '2025-11-04T13:29:00Z')).toBeNull();
    expect(whyNotSend('session-reminder', twoDays, '2025-11-04T13:30:00Z')).toBe('not sent: it was about Tuesday 4 November 2025, 1.30pm, which had passed when it was due to go out (Tuesday 4 November 2025, 1.30pm)');
  });
  it('any message decided more than 7 days before it could go out is skipped', () => {
    expect(whyNotSend('selected', data, '2025-10-28T12:30:00Z')).toBeNull();
    expect(whyNotSend('selected', data, '2025-10-28T12:31:00Z')).toMatch(/^not sent: it was decided on Tuesday 21 October 2025, more than 7 days before/);
    // The demo's back-dated years: a 2019 confirmation found in 2026.
    expect(whyNotSend('commitment-confirmed', { ...data, decidedAt: '2019-09-10T10:00:00+01:00' }, '2026-11-30T10:00:00Z')).toMatch(/^not sent/);
  });
  it('a schedule announcement is sent while any of its dates is ahead', () => {
    expect(whyNotSend('schedule-announced', { ...data, decidedAt: '2025-10-01T10:00:00+01:00' }, '2025-10-05T10:00:00+01:00')).toBeNull();
    expect(whyNotSend('schedule-announced', { ...data, decidedAt: '2025-11-04T10:00:00Z' }, '2025-11-05T10:00:00Z')).toMatch(/^not sent: it was about Tuesday 4 November 2025/);
  });
});

describe('addresses a school cannot be mailed at', () => {
  it.each([
    ['', 'the headteacher has no email address'],
    ['not-an-address', 'the headteacher\'s email address "not-an-address" is not a valid address'],
    ['head@school.invalid', 'the headteacher\'s email address "head@school.invalid" is a placeholder that cannot receive mail'],
  ])('%j: %s', (email, problem) => {
    expect(addressProblem('headteacher', email)).toBe(problem);
  });
  it('a real address is fine', () => {
    expect(addressProblem('headteacher', 'head@kingsmead.example')).toBeNull();
  });
});

describe('a work group named by default is not named twice', () => {
  it('"work group 1" where the sentence already names the programme; a name the hub chose stays', () => {
    const group = { name: 'Secondary Teaching for Mastery Development Work Group 2025/26, East Midlands East Maths Hub, group 1', lead: { name: 'David Okafor', email: 'd.okafor@emeast-mathshub.example' } };
    const m = renderMessage({ template: 'attendance-missing', urn: '137001', data: sample() }, { ...ctx, group });
    expect(m.text.match(/Teaching for Mastery Development Work Group/g)).toHaveLength(1);
    expect(m.text).toContain('(work group 1)');
    expect(groupNameInMail('East Midlands East secondary group A')).toBe('East Midlands East secondary group A');
  });
});
