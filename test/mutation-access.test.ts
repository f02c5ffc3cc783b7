/**
 * Tests added from the mutation run on service/access.ts (MUTATE_GROUP=access):
 * who may read and change which hub's schools, decided from the principal and
 * the school's hub alone. Each case is a promise to a user: hub staff never
 * see another hub's schools nor a school with no hub, auditors never change
 * anything, a refusal about a school never confirms that its URN exists.
 * Expected words are written out, not taken from the code under test.
 */
import { describe, expect, it } from 'vitest';
import { assertAdmin, assertRead, assertWrite, canRead, hubIdOf, hubLabel, readableHubs, resolveHub } from '../service/access.js';
import type { Principal } from '../service/context.js';
import { ForbiddenError } from '../service/errors.js';
import { UnknownSchoolError, ValidationError } from '../domain/errors.js';
import { hubs } from '../domain/catalogue/hubs.js';

const admin: Principal = { id: 'u-admin', name: 'Ada', role: 'admin', hubs: [] };
const staff: Principal = { id: 'u-staff', name: 'Sam', role: 'hub_staff', hubs: ['jurassic'] };
const staff2: Principal = { id: 'u-staff2', name: 'Bo', role: 'hub_staff', hubs: ['boolean', 'jurassic'] };
const auditor: Principal = { id: 'u-aud', name: 'Aud', role: 'auditor', hubs: ['boolean'] };
const noHubs: Principal = { id: 'u-none', name: 'Nia', role: 'hub_staff', hubs: [] };

function thrown(f: () => void): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a refusal, got none');
}

describe('a school with no hub (hub null)', () => {
  it('is readable by an admin and by nobody else, whatever hubs they hold', () => {
    expect(canRead(admin, null)).toBe(true);
    for (const p of [staff, staff2, auditor, noHubs]) expect(canRead(p, null), p.name).toBe(false);
  });

  it('is answered to hub staff and auditors as a URN that does not exist, on read and on write', () => {
    for (const p of [staff, staff2, auditor]) {
      const r = thrown(() => assertRead(p, null, { school: '100001' }));
      expect(r).toBeInstanceOf(UnknownSchoolError);
      expect(r.message).toBe('no school with URN 100001: submit its application first, or check the URN');
      const w = thrown(() => assertWrite(p, null, { school: '100001' }));
      expect(w).toBeInstanceOf(UnknownSchoolError);
      expect((w as UnknownSchoolError).urn).toBe('100001');
    }
  });

  it('may be changed by an admin', () => {
    expect(() => assertWrite(admin, null, { school: '100001' })).not.toThrow();
    expect(() => assertRead(admin, null, { school: '100001' })).not.toThrow();
  });

  it('refuses hub staff something hub-less that is not a school, saying it belongs to no hub', () => {
    const r = thrown(() => assertRead(staff, null, 'the hub digest'));
    expect(r).toBeInstanceOf(ForbiddenError);
    expect(r.message).toBe('Sam (hub_staff) may not see the hub digest: it belongs to no hub, outside jurassic');
    const w = thrown(() => assertWrite(staff, null, 'the work group wg-1'));
    expect(w).toBeInstanceOf(ForbiddenError);
    expect(w.message).toBe('Sam (hub staff of jurassic) may not change the work group wg-1: it belongs to no hub');
  });
});

describe('hub staff read and change their own hubs only', () => {
  it('reads each of its hubs and no other', () => {
    expect(canRead(staff, 'jurassic')).toBe(true);
    expect(canRead(staff, 'boolean')).toBe(false);
    expect(canRead(staff2, 'boolean')).toBe(true);
    expect(canRead(staff2, 'jurassic')).toBe(true);
    expect(canRead(noHubs, 'jurassic')).toBe(false);
    expect(() => assertRead(staff, 'jurassic', { school: '100001' })).not.toThrow();
    expect(() => assertRead(staff, 'jurassic', 'the hub board')).not.toThrow();
  });

  it("is told a school of another hub does not exist, and is refused another hub's other things by name", () => {
    const r = thrown(() => assertRead(staff, 'boolean', { school: '100002' }));
    expect(r).toBeInstanceOf(UnknownSchoolError);
    expect(r.message).not.toContain('boolean');
    const f = thrown(() => assertRead(staff2, 'glow', 'the hub board of glow'));
    expect(f).toBeInstanceOf(ForbiddenError);
    expect(f.message).toBe('Bo (hub_staff) may not see the hub board of glow: it belongs to glow, outside boolean, jurassic');
    const n = thrown(() => assertRead(noHubs, 'glow', 'the hub board of glow'));
    expect(n.message).toBe('Nia (hub_staff) may not see the hub board of glow: it belongs to glow, outside their hubs');
  });

  it("changes a school of its hub, and is refused another hub's school as if it did not exist", () => {
    expect(() => assertWrite(staff, 'jurassic', { school: '100001' })).not.toThrow();
    expect(() => assertWrite(staff, 'jurassic', 'the work group wg-1')).not.toThrow();
    const w = thrown(() => assertWrite(staff, 'boolean', { school: '100002' }));
    expect(w).toBeInstanceOf(UnknownSchoolError);
    const g = thrown(() => assertWrite(staff, 'boolean', 'the work group wg-2'));
    expect(g).toBeInstanceOf(ForbiddenError);
    expect(g.message).toBe('Sam (hub staff of jurassic) may not change the work group wg-2: it belongs to boolean');
    expect(thrown(() => assertWrite(staff2, 'glow', 'the work group wg-3')).message).toBe(
      'Bo (hub staff of boolean, jurassic) may not change the work group wg-3: it belongs to glow',
    );
  });
});

describe('auditors read their assigned hubs and never change anything', () => {
  it('reads its hubs, not others', () => {
    expect(canRead(auditor, 'boolean')).toBe(true);
    expect(canRead(auditor, 'jurassic')).toBe(false);
    expect(readableHubs(auditor)).toEqual(['boolean']);
  });

  it('is refused a change even in a hub it may read, saying auditors never change anything', () => {
    const e = thrown(() => assertWrite(auditor, 'boolean', { school: '100001' }));
    expect(e).toBeInstanceOf(ForbiddenError);
    expect(e.message).toBe('Aud is an auditor: auditors can read but never change anything');
    expect(thrown(() => assertWrite(auditor, 'boolean', 'the work group wg-1'))).toBeInstanceOf(ForbiddenError);
  });

  it('is told a school of a hub it may not read does not exist, before being told it is an auditor', () => {
    expect(thrown(() => assertWrite(auditor, 'jurassic', { school: '100003' }))).toBeInstanceOf(UnknownSchoolError);
  });
});

describe('admins', () => {
  it('read every hub (readable hubs: all) and change anything', () => {
    expect(readableHubs(admin)).toBeNull();
    expect(readableHubs(staff2)).toEqual(['boolean', 'jurassic']);
    expect(canRead(admin, 'glow')).toBe(true);
    expect(() => assertWrite(admin, 'glow', 'the work group wg-9')).not.toThrow();
    expect(() => assertAdmin(admin, 'add a user')).not.toThrow();
  });

  it('alone may do admin work; the refusal names who asked and what they are', () => {
    expect(thrown(() => assertAdmin(staff, 'add a user')).message).toBe('only an admin may add a user; Sam is hub staff');
    const e = thrown(() => assertAdmin(auditor, 'add a user'));
    expect(e).toBeInstanceOf(ForbiddenError);
    expect(e.message).toBe('only an admin may add a user; Aud is an auditor');
  });
});

describe('hub names and ids', () => {
  it('labels a hub without the " Maths Hub" suffix, in any case, and keeps other names whole', () => {
    expect(hubLabel({ ...hubs[0]!, name: 'East Midlands East Maths Hub' })).toBe('East Midlands East');
    expect(hubLabel({ ...hubs[0]!, name: 'Jurassic  maths hub' })).toBe('Jurassic');
    expect(hubLabel({ ...hubs[0]!, name: 'Maths Hub Jurassic' })).toBe('Maths Hub Jurassic');
    expect(hubLabel({ ...hubs[0]!, name: 'Jurassic Maths Hub Trust' })).toBe('Jurassic Maths Hub Trust');
  });

  it('resolves a hub by id or by name, and refuses an unknown one at the named field, listing example ids', () => {
    expect(resolveHub('jurassic').id).toBe('jurassic');
    expect(resolveHub('Jurassic Maths Hub').id).toBe('jurassic');
    const e = thrown(() => resolveHub('Atlantis', 'filter.hub'));
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).problems).toEqual([
      {
        path: 'filter.hub',
        message: 'must name one of the 35 Maths Hubs by id or name (e.g. cornwall-and-west-devon, jurassic, boolean)',
        value: 'Atlantis',
        severity: 'error',
      },
    ]);
    expect(e.message).toContain('Maths Hub is invalid');
    expect((thrown(() => resolveHub('Atlantis')) as ValidationError).problems[0]!.path).toBe('hub');
  });

  it("takes a school's hub id from the name it carries; none for an empty or unknown one", () => {
    expect(hubIdOf('Jurassic')).toBe('jurassic');
    expect(hubIdOf('Jurassic Maths Hub')).toBe('jurassic');
    expect(hubIdOf('Atlantis')).toBeNull();
    expect(hubIdOf('')).toBeNull();
    expect(hubIdOf(null)).toBeNull();
    expect(hubIdOf(undefined)).toBeNull();
  });
});
