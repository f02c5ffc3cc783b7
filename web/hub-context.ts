/**
 * Which hub a page is about. Hub staff and auditors work in the hubs their
 * key names (the first by default, another with ?hub=); an admin may look at
 * any hub and picks one with ?hub= (by default the hub of the first school
 * recorded). Asking for a hub outside one's own is refused, never silently
 * swapped. Not pure (reads the school list for an admin's default).
 */
import type { FastifyRequest } from 'fastify';
import { findHub, hubs as allHubs, type MathsHub } from '../domain/catalogue/hubs.js';
import type { Principal, Service } from '../service/context.js';
import { hubIdOf, hubLabel } from '../service/access.js';
import { ForbiddenError } from '../service/errors.js';

export interface PageHub {
  id: string;
  /** "East Midlands East": the header adds "Maths Hub". */
  label: string;
  /** The hubs this person may switch to (admins: every hub). */
  choices: { id: string; label: string }[];
}

const choice = (h: MathsHub) => ({ id: h.id, label: hubLabel(h) });

/** The hub of this page for `p`, from ?hub= or the default. Throws ForbiddenError outside their hubs. Not pure. */
export async function pageHub(svc: Service, p: Principal, request: FastifyRequest): Promise<PageHub> {
  const asked = (request.query as Record<string, unknown> | undefined)?.hub;
  const wanted = typeof asked === 'string' && asked.trim() !== '' ? findHub(asked.trim()) : undefined;
  if (typeof asked === 'string' && asked.trim() !== '' && !wanted) throw new ForbiddenError(`there is no Maths Hub called ${JSON.stringify(asked)}`);
  if (p.role === 'admin') {
    const hub = wanted ?? (await adminDefault(svc));
    return { id: hub.id, label: hubLabel(hub), choices: allHubs.map(choice) };
  }
  const mine = p.hubs.map((id) => findHub(id)).filter((h): h is MathsHub => h !== undefined);
  if (mine.length === 0) throw new ForbiddenError(`${p.name} has no hub to work in`);
  if (wanted && !p.hubs.includes(wanted.id)) throw new ForbiddenError(`${p.name} may not see ${wanted.name}`);
  const hub = wanted ?? mine[0]!;
  return { id: hub.id, label: hubLabel(hub), choices: mine.map(choice) };
}

async function adminDefault(svc: Service): Promise<MathsHub> {
  const [first] = await svc.engine.schools({ limit: 1 });
  const id = hubIdOf(first?.hub);
  return (id ? findHub(id) : undefined) ?? allHubs[0]!;
}

/** `?hub=<id>` for links when the person could be looking at another hub (admins), else "". Pure. */
export function hubQuery(p: Principal, hub: PageHub): string {
  return p.role === 'admin' || p.hubs.length > 1 ? `hub=${encodeURIComponent(hub.id)}` : '';
}
