/**
 * In-memory activities for the school workflow under the fake
 * (test/temporal-fake.ts): an event log with versions and snapshots, mails,
 * payments and evaluation requests, each stamped with the workflow time it
 * ran at. Shared by the workflow-logic and convergence tests.
 */
import type { PathwayActivities, RecordEventInput } from '../activities/types.js';
import type { Notify, ReleaseFunding, RequestEvaluation } from '../machines/effects.js';
import type { PersistedPathway } from '../machines/decide.js';
import { VersionConflictError } from '../domain/errors.js';
import type { StreamActivities } from '../workflows/messages.js';
import { CURRENT_RULES_VERSION } from '../workflows/rules.js';

/** What the in-memory activities did, with the workflow time each ran at. */
export interface World {
  events: (RecordEventInput & { version: number })[];
  mails: (Notify & { sentAt: string })[];
  payments: (ReleaseFunding & { paidAt: string })[];
  evaluations: RequestEvaluation[];
}

export function memoryActivities(world: World, failures: { recordEvent?: Error; notify?: (e: Notify) => Error | null } = {}): PathwayActivities & StreamActivities {
  return {
    async loadSchool({ urn, afterVersion }) {
      const mine = world.events.filter((e) => e.urn === urn);
      const last = mine.at(-1);
      if (!last) return { rulesVersion: CURRENT_RULES_VERSION, school: null };
      const missed = afterVersion === undefined ? [] : mine.filter((e) => e.version > afterVersion).map((e) => ({ version: e.version, payload: e.payload, actor: e.actor }));
      return { rulesVersion: CURRENT_RULES_VERSION, school: { version: last.version, snapshot: last.snapshot as PersistedPathway, missed } };
    },
    async recordEvent(input) {
      if (failures.recordEvent) throw failures.recordEvent;
      const current = world.events.filter((e) => e.urn === input.urn).at(-1)?.version ?? 0;
      if (current !== input.expectedVersion) throw new VersionConflictError(input.urn, input.expectedVersion, current);
      world.events.push({ ...input, version: current + 1 });
      return { version: current + 1, duplicate: false };
    },
    async notify(effect) {
      const err = failures.notify?.(effect);
      if (err) throw err;
      if (world.mails.some((m) => m.key === effect.key)) return { sent: false, messageId: null };
      world.mails.push({ ...effect, sentAt: new Date(Date.now()).toISOString() });
      return { sent: true, messageId: effect.key };
    },
    async releaseFunding(effect) {
      if (world.payments.some((p) => p.key === effect.key)) return { paid: false };
      world.payments.push({ ...effect, paidAt: new Date(Date.now()).toISOString() });
      return { paid: true };
    },
    async requestEvaluation(effect) {
      world.evaluations.push(effect);
      return { created: true };
    },
  };
}

export function newWorld(): World {
  return { events: [], mails: [], payments: [], evaluations: [] };
}

