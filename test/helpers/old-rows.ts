/**
 * Writes an event as the log stored it before migration 023 (compact
 * events): the state after it kept in the row, the v2 hash over that state.
 * For the tests of readers that must keep reading such rows. Not pure.
 */
import type { Db } from '../../store/db.js';
import { eventHashV2 } from '../../store/hash.js';
import type { AppendEventInput } from '../../store/event-log.js';

export async function appendWithState(db: Db, input: AppendEventInput): Promise<{ version: number; hash: string }> {
  return db.tx(async (tx) => {
    const head = (await tx.query<{ version: number; hash: string }>('SELECT version, hash FROM events WHERE urn = $1 ORDER BY version DESC LIMIT 1', [input.urn])).rows[0];
    if ((head?.version ?? 0) !== input.expectedVersion) throw new Error(`stream ${input.urn} is at ${head?.version ?? 0}, not ${input.expectedVersion}`);
    const version = input.expectedVersion + 1;
    const prevHash = head?.hash ?? null;
    const slot = (await tx.query<{ position: string; recorded_at: string }>("SELECT nextval('events_position_seq') AS position, now() AS recorded_at")).rows[0]!;
    const occurredAt = new Date(input.occurredAt).toISOString();
    const state = JSON.parse(JSON.stringify(input.state));
    const payload = JSON.parse(JSON.stringify(input.payload));
    const hash = eventHashV2({ position: Number(slot.position), recordedAt: slot.recorded_at, urn: input.urn, version, type: input.type, payload, occurredAt, actor: input.actor, machineVersion: input.machineVersion, state, prevHash });
    await tx.query(
      `INSERT INTO events (urn, version, type, payload, occurred_at, actor, machine_version, state, prev_hash, hash, position, recorded_at, hash_version)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, 2)`,
      [input.urn, version, input.type, JSON.stringify(payload), occurredAt, input.actor, input.machineVersion, JSON.stringify(state), prevHash, hash, Number(slot.position), slot.recorded_at],
    );
    return { version, hash };
  });
}
