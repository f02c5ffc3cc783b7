/**
 * Who may read and write what: hub staff read and write their own hub only,
 * auditors read the hubs assigned to them and never write, admins do
 * everything. Pure: decisions from the principal and the hub.
 */
import { findHub, hubs, type MathsHub } from '../domain/catalogue/hubs.js';
import { UnknownSchoolError, ValidationError } from '../domain/errors.js';
import type { Principal } from './context.js';
import { ForbiddenError } from './errors.js';

/** The hub's name as schools carry it ("East Midlands East"): messages add " Maths Hub". Pure. */
export function hubLabel(hub: MathsHub): string {
  return hub.name.replace(/\s+Maths Hub$/i, '');
}

/** The hub named by an id or a name in any spelling; a ValidationError at `field` listing the ids otherwise. Pure. */
export function resolveHub(nameOrId: string, field = 'hub'): MathsHub {
  const h = findHub(nameOrId);
  if (!h) {
    throw new ValidationError(
      [{ path: field, message: `must name one of the ${hubs.length} Maths Hubs by id or name (e.g. ${hubs.slice(0, 3).map((x) => x.id).join(', ')})`, value: nameOrId, severity: 'error' }],
      'Maths Hub',
    );
  }
  return h;
}

/** The id of the hub a school's summary names, or null. Pure. */
export function hubIdOf(stored: string | null | undefined): string | null {
  return stored ? (findHub(stored)?.id ?? null) : null;
}

/** The hub ids a principal may read; null means every hub. Pure. */
export function readableHubs(p: Principal): string[] | null {
  return p.role === 'admin' ? null : p.hubs;
}

/** May `p` read things of hub `hubId`? Pure. */
export function canRead(p: Principal, hubId: string | null): boolean {
  if (p.role === 'admin') return true;
  return hubId !== null && p.hubs.includes(hubId);
}

/**
 * What a check is about: words for a refusal, or a school by URN. A school
 * the caller may not see is answered exactly as a URN that does not exist
 * (UnknownSchoolError, 404), so that a refusal never confirms that a URN is
 * on the service, nor names its hub.
 */
export type Subject = string | { school: string };

function words(what: Subject): string {
  return typeof what === 'string' ? what : `school ${what.school}`;
}

/** Throws unless `p` may read hub `hubId`: ForbiddenError, or UnknownSchoolError for a school. Pure. */
export function assertRead(p: Principal, hubId: string | null, what: Subject): void {
  if (canRead(p, hubId)) return;
  if (typeof what !== 'string') throw new UnknownSchoolError(what.school);
  throw new ForbiddenError(`${p.name} (${p.role}) may not see ${what}: it belongs to ${hubId ?? 'no hub'}, outside ${p.hubs.join(', ') || 'their hubs'}`);
}

/**
 * Throws unless `p` may change things of hub `hubId` (auditors never may):
 * ForbiddenError, or UnknownSchoolError for a school `p` may not even see. Pure.
 */
export function assertWrite(p: Principal, hubId: string | null, what: Subject): void {
  if (typeof what !== 'string' && !canRead(p, hubId)) throw new UnknownSchoolError(what.school);
  if (p.role === 'auditor') throw new ForbiddenError(`${p.name} is an auditor: auditors can read but never change anything`);
  if (p.role === 'admin') return;
  if (hubId === null || !p.hubs.includes(hubId)) throw new ForbiddenError(`${p.name} (hub staff of ${p.hubs.join(', ')}) may not change ${words(what)}: it belongs to ${hubId ?? 'no hub'}`);
}

/** Throws ForbiddenError unless `p` is an admin. Pure. */
export function assertAdmin(p: Principal, what: string): void {
  if (p.role !== 'admin') throw new ForbiddenError(`only an admin may ${what}; ${p.name} is ${p.role === 'auditor' ? 'an auditor' : 'hub staff'}`);
}
