/**
 * A selection refused after its work-group place was reserved gives the place
 * back (service/applications.ts, selectApplication). The rules are asked
 * before the place is taken, so the refusal can only come from a second
 * operator changing the school in between: the test makes that happen, at
 * that moment, through the real engine (the engine seen by the selection
 * withdraws the school, or writes another event, just before the SELECTED
 * is appended). Found by a hand-made mutant (issue 15): without the
 * `releasePlace` in the catch, every other test stayed green while the group
 * kept a place for a school that was never selected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './helpers/db.js';
import { HUB_A, secondaryForm, startApi, type ApiHarness } from './api-harness.js';
import type { Principal, Service } from '../service/context.js';
import { assessEligibility, selectApplication, submitApplication } from '../service/applications.js';
import { createGroup } from '../service/groups.js';
import { withdrawSchool } from '../service/schools.js';
import { placesOf } from '../store/ops/groups.js';
import type { Engine } from '../host/engine.js';
import type { PathwayEventInput } from '../machines/index.js';
import { EventRejectedError, VersionConflictError } from '../domain/errors.js';

const root: Principal = { id: 'fixture', name: 'fixture maker', role: 'admin', hubs: [] };

// The service logic is the same on both drivers; PGlite alone keeps this lean.
describe.each(dbTargets().filter((t) => t.name === 'pglite'))('a selection refused after its place was reserved ($name)', (target) => {
  let h: ApiHarness;
  let n = 700;
  const eligible = async () => {
    const form = secondaryForm(++n);
    await submitApplication(h.svc, root, form);
    await assessEligibility(h.svc, root, form.school.urn, { eligible: true });
    return form.school.urn as string;
  };
  const group = async () => (await createGroup(h.svc, root, { programmeId: 'secondary-development-2020-21', hub: HUB_A, lead: { name: 'L', email: 'l@a.example' } })).id;

  /** The service, with an engine on which `meanwhile` runs (as another operator) just before the SELECTED of `urn` is appended. */
  function racing(urn: string, meanwhile: () => Promise<unknown>): Service {
    const real = h.svc.engine;
    const engine: Engine = {
      kind: real.kind,
      async send(u: string, event: PathwayEventInput, options) {
        if (u === urn && event.type === 'SELECTED') await meanwhile();
        return real.send(u, event, options);
      },
      state: (u) => real.state(u),
      history: (u, o) => real.history(u, o),
      schools: (f) => real.schools(f),
      close: () => real.close(),
    };
    return { ...h.svc, engine };
  }

  beforeAll(async () => {
    h = await startApi(target, { start: '2020-09-10T12:00:00Z' });
  }, 240_000); // a fresh service on PGlite: slow on a loaded machine
  afterAll(async () => h?.close());

  it('withdrawn by another operator meanwhile: the selection is refused, the place is free again and another school takes it', async () => {
    const g = await group();
    const first = await eligible();
    await selectApplication(h.svc, root, first, { groupId: g });
    const urn = await eligible();
    const events = await h.eventCount();
    const err = await selectApplication(racing(urn, () => withdrawSchool(h.svc, root, urn, { reason: 'moved away' })), root, urn, { groupId: g }).catch((e) => e);
    expect(err).toBeInstanceOf(EventRejectedError);
    expect(err.message).toContain('SELECTED');
    expect((await placesOf(h.svc.db, g)).map((p) => p.urn)).toEqual([first]);
    expect(await h.eventCount()).toBe(events + 1); // the withdrawal, not the selection
    // The group (2 places) still has the room the refused school held.
    const next = await eligible();
    const ok = await selectApplication(h.svc, root, next, { groupId: g });
    expect(ok.groupSize).toBe(2);
    expect((await placesOf(h.svc.db, g)).map((p) => p.urn).sort()).toEqual([first, next].sort());
  });

  it('waitlisted by another operator meanwhile, under If-Match: 409, and the place is free again', async () => {
    const g = await group();
    const urn = await eligible();
    const version = (await h.svc.engine.state(urn)).version;
    const err = await selectApplication(
      racing(urn, () => h.svc.engine.send(urn, { type: 'WAITLISTED', at: h.svc.now(), reason: 'the other operator waitlisted it' }, { actor: 'other-operator' })),
      root,
      urn,
      { groupId: g },
      { expectedVersion: version },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(VersionConflictError);
    expect(await placesOf(h.svc.db, g)).toEqual([]);
    // Reloaded, the same selection goes through into the same place.
    const again = await selectApplication(h.svc, root, urn, { groupId: g }, { expectedVersion: (await h.svc.engine.state(urn)).version });
    expect(again.groupSize).toBe(1);
    expect((await placesOf(h.svc.db, g)).map((p) => p.urn)).toEqual([urn]);
  });
});

describe.each(dbTargets())('a withdrawal whose place was never freed ($name)', (target) => {
  let h: ApiHarness;
  let n = 760;
  const eligible = async () => {
    const form = secondaryForm(++n);
    await submitApplication(h.svc, root, form);
    await assessEligibility(h.svc, root, form.school.urn, { eligible: true });
    return form.school.urn as string;
  };

  beforeAll(async () => {
    h = await startApi(target, { start: '2020-09-10T12:00:00Z' });
  }, 240_000);
  afterAll(async () => h?.close());

  it('a crash between the withdrawal and freeing its place: the group’s next reservation frees it, and a school on the list takes it', async () => {
    const groupId = (await createGroup(h.svc, root, { programmeId: 'secondary-development-2020-21', hub: HUB_A, lead: { name: 'L', email: 'l@a.example' } })).id;
    const [a, b, c] = [await eligible(), await eligible(), await eligible()];
    await selectApplication(h.svc, root, a, { groupId });
    await selectApplication(h.svc, root, b, { groupId });
    // The group of two is full; a withdraws, and the service stops before freeing its place (the event alone, as after a crash).
    await h.svc.engine.send(a, { type: 'WITHDRAWN', at: h.svc.now(), reason: 'moved away' }, { actor: root.id });
    expect((await placesOf(h.svc.db, groupId)).map((x) => x.urn).sort()).toEqual([a, b].sort());
    const taken = await selectApplication(h.svc, root, c, { groupId });
    expect(taken.groupSize).toBe(2);
    expect((await placesOf(h.svc.db, groupId)).map((x) => x.urn).sort()).toEqual([b, c].sort());
  });
});
