/**
 * `pathway schools event <urn> <TYPE> [--data JSON] [--at WHEN] [--actor NAME]
 * [--expect-version N] [--json]` (formerly `pathway event`): records one hub event for a school (its
 * fields in --data) and prints the school's new state and what the event set
 * in motion. Exit 2 with one line for an unknown URN, an unknown type, an
 * event the state does not accept (and why), a stale --expect-version, or
 * bad JSON.
 *
 * Conveniences, so that nobody types a catalogue entry by hand: a
 * `programmeId` in --data stands for that catalogue programme; ADVANCED
 * without a programme takes the next one of the school's route, RESUMED the
 * deferred phase in the year deferred to, and SCHEDULE_SET without sessions
 * the academic calendar's schedule for the school's programme.
 */
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { cliOperator } from '../../service/context.js';
import { nextProgramme, programmeById, programmeFor } from '../../domain/catalogue/programmes.js';
import { generateSchedule } from '../../domain/calendar/index.js';
import { ValidationError } from '../../domain/errors.js';
import { dateProblem, instantProblem } from '../../domain/boundary.js';
import type { PersistedPathway } from '../../machines/decide.js';
import { PathwayEvent, TIMER_EVENTS, type PathwayEventInput } from '../../machines/events.js';
import type { Effect } from '../../machines/effects.js';
import type { Engine, SchoolState } from '../../host/engine.js';
import { withEngine } from '../engine.js';
import { UsageError } from '../exit.js';
import { describeCaused, describeState } from '../render.js';

/** Every event type the machines know. */
export const EVENT_TYPES: readonly string[] = PathwayEvent.options.map((o) => (o.shape.type as unknown as { value: string }).value);

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const LOCAL = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$/;

/**
 * When the event happened, as an ISO instant with London's offset: an ISO
 * instant with offset as given, a London date-time "2021-03-01T14:00", or a
 * London date (noon that day); not after `now`. Throws UsageError. Pure.
 */
export function eventInstant(value: string | undefined, now: string): string {
  const nowTime = DateTime.fromISO(now, { setZone: true });
  if (value === undefined) return nowTime.setZone('Europe/London').toISO({ suppressMilliseconds: true })!;
  let d: DateTime;
  if (INSTANT.test(value)) d = DateTime.fromISO(value, { setZone: true });
  else if (LOCAL.test(value)) d = DateTime.fromISO(value.length === 10 ? `${value}T12:00` : value, { zone: 'Europe/London' });
  else throw new UsageError(`--at must be an ISO date-time with offset (2021-03-01T09:00:00Z), a London date-time (2021-03-01T09:00) or a date (2021-03-01), not ${JSON.stringify(value)}`);
  // The same bounds as the API's (domain/boundary.ts): a date of 1990-2100, an offset within ±14:00.
  const bound = INSTANT.test(value) ? instantProblem(value) : dateProblem(value.slice(0, 10));
  if (bound) throw new UsageError(`--at ${bound} (got ${JSON.stringify(value)})`);
  if (!d.isValid) throw new UsageError(`--at ${JSON.stringify(value)} is not a real date or time: ${d.invalidExplanation ?? d.invalidReason}`);
  if (d.toMillis() > nowTime.toMillis()) throw new UsageError(`--at ${value} is in the future (it is now ${nowTime.setZone('Europe/London').toISO({ suppressMilliseconds: true })}); record events when they have happened`);
  return d.setZone('Europe/London').toISO({ suppressMilliseconds: true })!;
}

/** The --data option as a JSON object. Throws UsageError naming the problem. Pure. */
export function parseData(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--data is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`--data must be a JSON object of the event's fields, e.g. '{"groupId":"g1","groupSize":3}', not ${JSON.stringify(data)}`);
  return data as Record<string, unknown>;
}

/** The event type as written (any case), or a UsageError listing the types a person may send. Pure. */
export function eventType(value: string): string {
  const type = value.trim().toUpperCase().replace(/-/g, '_');
  const allowed = EVENT_TYPES.filter((t) => !TIMER_EVENTS.includes(t as never));
  if (TIMER_EVENTS.includes(type as never)) throw new UsageError(`${type} is sent by the engine's timers (pathway tick), not by people; send one of: ${allowed.join(', ')}`);
  if (!EVENT_TYPES.includes(type)) throw new UsageError(`unknown event type ${JSON.stringify(value)}; send one of: ${allowed.join(', ')}`);
  return type;
}

/** Fills what the catalogue and the calendar can supply (see the module comment) from the school's state. Pure. */
export function completeEvent(type: string, at: string, data: Record<string, unknown>, current: SchoolState | null): PathwayEventInput {
  if (data.type !== undefined && data.type !== type) throw new UsageError(`--data says type ${JSON.stringify(data.type)} but the command says ${type}`);
  const { programmeId, ...rest } = data;
  const event: Record<string, unknown> = { ...rest, type, at: data.at ?? at };
  if (programmeId !== undefined) {
    if (typeof programmeId !== 'string') throw new UsageError('--data programmeId must be a catalogue id such as "primary-development-2021-22" (see pathway programmes)');
    event.programme = programmeById(programmeId);
  }
  const snapshot = current?.snapshot as PersistedPathway | undefined;
  const programme = snapshot?.context.programme ?? null;
  if (type === 'ADVANCED' && event.programme === undefined && programme) {
    const next = nextProgramme(programme);
    if (!next) throw new UsageError(`the catalogue has no programme after ${programme.id}; give one with --data '{"programmeId":"..."}'`);
    event.programme = next;
  }
  if (type === 'RESUMED' && event.programme === undefined && programme && snapshot?.context.deferredUntil) {
    const p = programmeFor(programme.route, programme.phase, snapshot.context.deferredUntil);
    if (!p) throw new UsageError(`the catalogue has no ${programme.route} ${programme.phase} programme for ${snapshot.context.deferredUntil}; give one with --data '{"programmeId":"..."}'`);
    event.programme = p;
  }
  if (type === 'SCHEDULE_SET' && event.sessions === undefined && programme) event.sessions = generateSchedule(programme, programme.academicYear);
  return event as PathwayEventInput;
}

/** "2 emails, 1 grant, 3 timers set" for the effects an event asked for. Pure. */
export function describeEffects(effects: Effect[]): string {
  const count = (t: Effect['type']) => effects.filter((e) => e.type === t).length;
  const parts = [
    [count('notify'), 'email', 'emails'],
    [count('funding.release'), 'grant payment', 'grant payments'],
    [count('evaluation.request'), 'evaluation request', 'evaluation requests'],
    [count('timer.set'), 'timer set', 'timers set'],
    [count('timer.cancel'), 'timer cancelled', 'timers cancelled'],
  ] as const;
  const words = parts.filter(([k]) => k > 0).map(([k, one, many]) => `${k} ${k === 1 ? one : many}`);
  return words.length ? words.join(', ') : 'nothing else';
}

async function currentState(engine: Engine, urn: string, type: string): Promise<SchoolState | null> {
  if (type === 'APPLY') {
    try {
      return await engine.state(urn);
    } catch {
      return null;
    }
  }
  return engine.state(urn);
}

/** Runs `pathway schools event`: checks the input, sends the event through the engine and says what it set in motion. Not pure. */
export async function runEvent(command: Command, urn: string, typeArg: string, options: { data?: string; at?: string; actor?: string; expectVersion?: string; json?: boolean }): Promise<void> {
  const type = eventType(typeArg);
  const data = parseData(options.data);
  let expectedVersion: number | undefined;
  if (options.expectVersion !== undefined) {
    expectedVersion = Number(options.expectVersion);
    if (!/^\d+$/.test(options.expectVersion.trim()) || !Number.isSafeInteger(expectedVersion)) throw new UsageError(`--expect-version must be a whole number, not ${JSON.stringify(options.expectVersion)}`);
  }
  const actor = options.actor?.trim() || cliOperator().id;
  await withEngine(command, async (engine) => {
    const at = eventInstant(options.at, new Date().toISOString());
    const current = await currentState(engine, urn, type);
    const event = completeEvent(type, at, data, current);
    let r;
    try {
      r = await engine.send(urn, event, { actor, ...(expectedVersion !== undefined ? { expectedVersion } : {}) });
    } catch (err) {
      // One line for the command line: the fields at fault, joined.
      if (err instanceof ValidationError) throw new UsageError(`${type} is not a valid event: ${err.problems.map((p) => `${p.path} ${p.message}${p.value !== undefined ? ` (got ${JSON.stringify(p.value)})` : ''}`).join('; ')}`);
      throw err;
    }
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ urn: r.urn, version: r.version, summary: r.summary, effects: r.effects }, null, 2)}\n`);
      return;
    }
    const caused = describeCaused(r.effects);
    process.stdout.write(`recorded ${type} for URN ${urn} (version ${r.version}, by ${actor}): now ${describeState(r.summary)}\n  set in motion: ${describeEffects(r.effects)}\n${caused ? `  ${caused}\n` : ''}`);
  });
}
