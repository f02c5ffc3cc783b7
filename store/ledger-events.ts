/**
 * Which recorded event released each payment of the funding ledger: the
 * version the ledger recorded with the payment, else (rows from before it was
 * recorded) the first event of the school whose stored state shows the grant
 * of that programme paid (such rows predate compact events, so their events
 * still store their state). The ledger row and the event are written by different
 * steps (the outbox pays after the event commits), so they are joined by
 * what the event's state says, not by time. Not pure (database I/O).
 */
import type { Db } from './db.js';
import { stateAt } from './states.js';

export interface ReleasingEvent {
  /** The payment's key in the ledger. */
  key: string;
  version: number;
  type: string;
  payload: unknown;
  occurredAt: string;
  recordedAt: string;
  /** The school's sessions as stored with that event, to name the session in words. */
  sessions: { id: string; kind: string; at: string; status: string }[];
}

interface Row {
  key: string;
  urn: string;
  version: number;
  type: string;
  payload: unknown;
  occurred_at: string | Date;
  recorded_at: string | Date;
  sessions: ReleasingEvent['sessions'] | null;
}

const iso = (v: string | Date) => (v instanceof Date ? v.toISOString() : new Date(v).toISOString());

/** The releasing event of each payment whose key is given (payments with none found are left out). Not pure. */
export async function releasingEvents(db: Db, keys: readonly string[]): Promise<Map<string, ReleasingEvent>> {
  const out = new Map<string, ReleasingEvent>();
  if (keys.length === 0) return out;
  const r = await db.query<Row>(
    `SELECT f.key, f.urn, e.version, e.type, e.payload, e.occurred_at, e.recorded_at, e.sessions
       FROM funding_ledger f
       JOIN LATERAL (
         SELECT version, type, payload, occurred_at, recorded_at, state->'context'->'sessions' AS sessions
           FROM events
          WHERE events.urn = f.urn
            AND CASE WHEN f.released_by_version IS NOT NULL THEN events.version = f.released_by_version
                     ELSE events.state->'context'->'programme'->>'id' = f.programme_id
                          AND coalesce((events.state->'context'->>'fundingPaidPence')::bigint, 0) > 0
                END
          ORDER BY version
          LIMIT 1
       ) e ON true
      WHERE f.key = ANY($1::text[])`,
    [keys as string[]],
  );
  for (const row of r.rows) {
    // A compact row (migration 023) stores no state: the sessions are those of the state folded to it.
    const sessions = row.sessions ?? (((await stateAt(db, row.urn, row.version))?.context.sessions ?? []) as unknown as ReleasingEvent['sessions']);
    out.set(row.key, { key: row.key, version: row.version, type: row.type, payload: row.payload, occurredAt: iso(row.occurred_at), recordedAt: iso(row.recorded_at), sessions });
  }
  return out;
}
