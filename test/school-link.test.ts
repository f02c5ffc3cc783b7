/**
 * The headteacher's signed link: only the exact link the service made opens
 * the school's page, until it expires.
 */
import { describe, expect, it } from 'vitest';
import { signSchoolLink, verifySchoolLink, schoolLinkUrl } from '../domain/school-link.js';

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
