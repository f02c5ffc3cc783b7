/**
 * The activity through which a school's workflow reads the Postgres event
 * log, the truth it converges to: a run that starts without a snapshot (a new
 * school, a school adopted from the embedded host, a run started again after a
 * terminate or a reset) and a run whose `recordEvent` met a version conflict
 * load the stored snapshot and version here. Not pure: database I/O.
 */
import type { Db } from '../store/db.js';
import { readStream } from '../store/event-log.js';
import { loadStream } from '../store/streams.js';
import type { PersistedPathway } from '../machines/decide.js';
import { MAX_MISSED_EVENTS, type StoredSchool, type StreamActivities } from '../workflows/messages.js';
import { CURRENT_RULES_VERSION } from '../workflows/rules.js';

/** The stream activities over the audit log's database. Not pure. */
export function createStreamActivities(db: Db): StreamActivities {
  return {
    async loadSchool({ urn, afterVersion }) {
      return { rulesVersion: CURRENT_RULES_VERSION, school: await storedSchool(db, urn, afterVersion) };
    },
  };
}

/** A school's stream as the workflow takes it, or null. Not pure. */
export async function storedSchool(db: Db, urn: string, afterVersion?: number): Promise<StoredSchool | null> {
  const stream = await loadStream(db, urn);
  if (!stream) return null;
  let missed: StoredSchool['missed'] = [];
  if (afterVersion !== undefined && afterVersion < stream.version) {
    const events = await readStream(db, urn, { toVersion: Math.min(stream.version, afterVersion + MAX_MISSED_EVENTS) });
    missed = events.filter((e) => e.version > afterVersion).map((e) => ({ version: e.version, payload: e.payload, actor: e.actor }));
  }
  return { version: stream.version, snapshot: stream.snapshot as PersistedPathway, missed };
}
