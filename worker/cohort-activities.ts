/**
 * The cohort transition's activities: they reach each school's workflow with
 * a Temporal client from inside the worker. A refusal (the school's rules, a
 * stale version, a malformed event, no such school) is returned as an
 * outcome; only transport failures throw, so Temporal retries those alone.
 * Not pure: network I/O.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { EventRejectedError, ValidationError } from '../domain/errors.js';
import { catalogue } from '../domain/catalogue/programmes.js';
import type { Programme } from '../domain/catalogue/schema.js';
import type { PathwayEventInput } from '../machines/events.js';
import { engineErrorFrom, isRefusal } from '../host/temporal-engine.js';
import { byProgrammeId, schoolWorkflowId, sendEventUpdate, stateQuery, type CohortActivities, type CohortEvent } from '../workflows/messages.js';

/** A programme of the catalogue by id, or undefined. Pure. */
export function catalogueProgramme(id: string): Programme | undefined {
  return catalogue.find((p) => p.id === id);
}

/**
 * The cohort activities over a client of the same namespace; programmes named
 * by id are found with `findProgramme` (default: the catalogue). Not pure.
 */
export function createCohortActivities(client: Pick<Client, 'workflow'>, options: { findProgramme?: (id: string) => Programme | undefined } = {}): CohortActivities {
  const findProgramme = options.findProgramme ?? catalogueProgramme;

  /** The event in full. Throws ValidationError naming an unknown programme id. */
  function resolve(event: CohortEvent): PathwayEventInput {
    if (!byProgrammeId(event)) return event;
    const { programmeId, ...rest } = event;
    const programme = findProgramme(programmeId);
    if (!programme) throw new ValidationError([{ path: 'event.programmeId', message: 'must be the id of a programme in the catalogue', value: programmeId, severity: 'error' }], 'cohort event');
    return { ...rest, programme } as PathwayEventInput;
  }

  const activities: CohortActivities = {
    async loadCohortEvent(event) {
      return resolve(event);
    },

    async readSchoolState(urn) {
      try {
        return await client.workflow.getHandle(schoolWorkflowId(urn)).query(stateQuery);
      } catch (err) {
        const mapped = engineErrorFrom(err, urn);
        if (isRefusal(mapped) || err instanceof WorkflowNotFoundError) return null;
        throw err;
      }
    },

    async sendSchoolEvent({ urn, event: sent, actor, updateId }) {
      const event = resolve(sent);
      try {
        // The update id makes a retried activity attach to the first send instead of sending twice.
        const r = await client.workflow.getHandle(schoolWorkflowId(urn)).executeUpdate(sendEventUpdate, { args: [{ event, actor }], updateId });
        return { urn, ok: true, phase: r.summary.phase, status: r.summary.status, version: r.version };
      } catch (err) {
        const mapped = engineErrorFrom(err, urn);
        if (!isRefusal(mapped)) throw err;
        // Sent before under another run of the school's workflow (the update id no longer dedupes): already there is success.
        if (mapped instanceof EventRejectedError && 'programme' in event && event.programme) {
          const now = await activities.readSchoolState(urn).catch(() => null);
          if (now && now.summary.programmeId === event.programme.id) {
            return { urn, ok: true, phase: now.summary.phase, status: now.summary.status, version: now.version };
          }
        }
        return { urn, ok: false, reason: mapped.message };
      }
    },
  };
  return activities;
}
