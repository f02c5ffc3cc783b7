/**
 * The headteacher's signed link: only the exact link the service made opens
 * the school's page, until it expires.
 */
import { describe, expect, it } from 'vitest';
import { schoolLinkExpiry, signSchoolLink, verifySchoolLink, schoolLinkUrl } from '../domain/school-link.js';
import { createActivities } from '../activities/index.js';
import type { Mailer } from '../activities/mail/mailer.js';
import type { RequestEvaluation } from '../machines/effects.js';
import { serviceKey } from '../store/ops/keys.js';
import { pastSessions } from '../service/school-link-view.js';
import { grantStatus } from '../service/grant-status.js';
import type { PathwayContext, SessionRecord } from '../machines/context.js';
import { programmeFor } from '../domain/catalogue/programmes.js';
import { dbTargets, useTestDb } from './helpers/db.js';

const KEY = Buffer.alloc(32, 7);
const NOW = '2026-11-10T09:00:00Z';
const token = signSchoolLink(KEY, { urn: '100004', expiresAt: '2027-01-09T09:00:00Z' });
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('signed school links', () => {
  it('opens for the school it names until it expires', () => {
    expect(verifySchoolLink(KEY, token, NOW)).toEqual({ ok: true, claims: { urn: '100004', expiresAt: '2027-01-09T09:00:00Z' } });
    expect(verifySchoolLink(KEY, token, '2027-01-09T09:00:01Z')).toMatchObject({ ok: false, reason: 'expired' });
    expect(schoolLinkUrl('https://hub.example/', token)).toBe(`https://hub.example/for-schools/${token}`);
  });

  it('refuses every one-character change of the seal, the last character included', () => {
    const [payload, sig] = token.split('.') as [string, string];
    for (let i = 0; i < sig.length; i++) {
      for (const c of B64) {
        if (c === sig[i]) continue;
        const altered = `${payload}.${sig.slice(0, i)}${c}${sig.slice(i + 1)}`;
        expect(verifySchoolLink(KEY, altered, NOW).ok, `seal changed at ${i} to ${c}`).toBe(false);
      }
    }
  });

  it('refuses a link pointed at another school, one made with another key, and a malformed one', () => {
    const [payload, sig] = token.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, string>;
    const other = Buffer.from(JSON.stringify({ ...claims, u: '100007' })).toString('base64url');
    expect(verifySchoolLink(KEY, `${other}.${sig}`, NOW)).toMatchObject({ ok: false, reason: 'tampered' });
    expect(verifySchoolLink(Buffer.alloc(32, 8), token, NOW)).toMatchObject({ ok: false, reason: 'tampered' });
    expect(verifySchoolLink(KEY, token.slice(0, 40), NOW)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(verifySchoolLink(KEY, 'not a token', NOW)).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

describe('what the headteacher’s page says was recorded so far this year', () => {
  const rec = (id: string, at: string, status: SessionRecord['status'], teachersPresent = 0, headteacherPresent = false, kind: SessionRecord['kind'] = 'workshop'): SessionRecord => ({ id, kind, at, place: 'The Minster School', status, teachersPresent, headteacherPresent });
  const context = (sessions: SessionRecord[]) => ({ programme: programmeFor('primary', 'readiness', '2026/27')!, sessions }) as unknown as PathwayContext;

  it('says who came to each session already past, that the hub has not recorded one yet, and leaves out what is cancelled or still to come', () => {
    const c = context([
      rec('w1', '2026-09-10T08:00:00Z', 'held', 2, false),
      rec('v1', '2026-09-17T08:00:00Z', 'scheduled', 0, false, 'visit'),
      rec('w2', '2026-10-08T08:00:00Z', 'missed'),
      rec('w3', '2026-10-15T08:00:00Z', 'cancelled'),
      rec('w4', '2026-11-12T09:00:00Z', 'scheduled'),
    ]);
    expect(pastSessions(c, '2026-11-10T09:00:00Z').map((s) => [s.title, s.recorded, s.attention])).toEqual([
      // The programme asks the headteacher to the first workshop.
      ['Workshop 1 of 3', '2 teachers attended; the headteacher was not there', true],
      ['School visit 1 of 1', 'Not recorded yet: the hub records who came after each session', true],
      ['Workshop 2 of 3', 'No teacher from your school attended', true],
    ]);
    expect(pastSessions(c, '2026-11-10T09:00:00Z')[0]!.when).toBe('Thursday 10 September 2026, 9am to 11.30am');
    // A school that has withdrawn is asked for nothing more: a session not recorded is not flagged.
    expect(pastSessions(c, '2026-11-10T09:00:00Z', 'withdrawn')[1]).toMatchObject({ recorded: 'Not recorded', attention: false });
  });

  it('says the sessions before a late joiner joined were not for it to attend, and asks the headteacher to its own first', () => {
    const c = context([rec('w1', '2026-09-10T08:00:00Z', 'beforeJoining'), rec('w2', '2026-10-08T08:00:00Z', 'held', 1, true)]);
    expect(pastSessions(c, '2026-11-10T09:00:00Z').map((s) => [s.title, s.recorded, s.attention])).toEqual([
      ['Workshop 1 of 2', 'Before your school joined the work group: not for your school to attend', false],
      ['Workshop 2 of 2', '1 teacher attended, with the headteacher', false],
    ]);
  });
});

describe('the grant on the headteacher’s page', () => {
  it('promises a Readiness school taking part the Development grant, and one that withdrew nothing', () => {
    const c = { programme: programmeFor('primary', 'readiness', '2026/27')!, sessions: [], fundingPaidPence: 0 } as unknown as PathwayContext;
    expect(grantStatus(c, 'active', null).text).toMatch(/^This phase has no grant of its own\. £1,000 is paid when the school takes part in the Development phase in 2027\/28/);
    for (const left of ['withdrawn', 'deferred', 'declined']) {
      expect(grantStatus(c, left, null).text).toBe('This phase has no grant of its own, and no grant is paid while the school is not taking part.');
    }
  });
});

describe('how long a link in an email works', () => {
  it('at least 60 days, and until a month after what the email asks is due', () => {
    expect(schoolLinkExpiry('2020-06-11T09:00:00Z')).toBe('2020-08-10T09:00:00.000Z');
    // Asked in June for 31 August: the link outlives the deadline by 30 days (60 days would end on 10 August).
    expect(schoolLinkExpiry('2020-06-11T09:00:00Z', ['2020-08-31T23:59:00+01:00'])).toBe('2020-09-30T22:59:00.000Z');
    // A date already covered by the 60 days changes nothing; something that is not a date is ignored.
    expect(schoolLinkExpiry('2020-06-11T09:00:00Z', ['2020-06-20T09:00:00Z', null, 'soon'])).toBe('2020-08-10T09:00:00.000Z');
  });
});

describe.each(dbTargets())('the evaluation request email on $name', (target) => {
  const t = useTestDb(target);

  it('carries a link that still opens the page after the evaluation is due', async () => {
    const sent: { text: string }[] = [];
    const mailer: Mailer = {
      transport: 'none',
      async send(m) {
        sent.push({ text: m.text });
        return { messageId: `<${m.key}@test>`, duplicate: false };
      },
      describe: () => 'capturing mailer',
      close: async () => undefined,
    };
    const dueAt = '2020-08-31T23:59:00+01:00';
    const effect: RequestEvaluation = {
      type: 'evaluation.request',
      key: '600901:sec-dev-2019:2019/20:evaluation',
      urn: '600901',
      programmeId: 'secondary-development-2019-20',
      academicYear: '2019/20',
      dueBy: dueAt,
      recipients: [{ role: 'headteacher', name: 'Ann Head', email: 'head@school.example' }],
      data: { school: 'Kingsmead Academy', hub: 'East Midlands East', programme: 'Secondary Teaching for Mastery Development Work Group', programmeId: 'secondary-development-2019-20', academicYear: '2019/20', due: 'Monday 31 August 2020', dueAt, decidedAt: '2020-06-11T10:00:00+01:00' },
    };
    const acts = createActivities({ db: t.db, mailer, now: () => '2020-06-11T09:00:00Z', publicUrl: 'https://pathway.example.org' });
    await acts.requestEvaluation(effect);
    expect(sent).toHaveLength(1);
    const token = /https:\/\/pathway\.example\.org\/for-schools\/([A-Za-z0-9_.-]+)#evaluation/.exec(sent[0]!.text)?.[1];
    expect(token, sent[0]!.text).toBeDefined();
    const key = await serviceKey(t.db, 'school-links');
    // Three weeks before the deadline (the day a 60-day link died), on the deadline, and a month after it.
    for (const day of ['2020-08-10T12:00:00Z', '2020-08-31T22:00:00Z', '2020-09-30T12:00:00Z']) expect(verifySchoolLink(key, token!, day), day).toMatchObject({ ok: true, claims: { urn: '600901' } });
    expect(verifySchoolLink(key, token!, '2020-10-01T12:00:00Z')).toMatchObject({ ok: false, reason: 'expired' });
  });
});
