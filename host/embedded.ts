/**
 * The embedded host: the pathway machines on one machine with no Temporal
 * server, on PGlite (default) or Postgres. Each event is decided by the pure
 * core and, in one transaction, appended to the event log, the stream
 * snapshot saved, timers upserted and effects put in the outbox
 * (transactional outbox). A scheduler fires due timers in order; a dispatcher
 * carries out the outbox through the activities, with retries and backoff.
 * I/O.
 */
import type { Logger } from 'pino';
import { parseEvent } from '../machines/decide.js';
import type { PathwayEvent, PathwayEventInput } from '../machines/events.js';
import type { Effect, Notify } from '../machines/effects.js';
import { MACHINE_VERSION } from '../machines/pathway.js';
import type { SchoolSummary } from '../machines/summary.js';
import { UnknownSchoolError, VersionConflictError, EventRejectedError, ValidationError } from '../domain/errors.js';
import { openStore, type Store } from '../store/index.js';
import type { Db } from '../store/db.js';
import { asTamperedError, assertNotTampered, knownFingerprint, rememberOwnWrite, StreamChangedError, TamperedSchoolError } from '../store/tamper.js';
import { listStreams, loadStream } from '../store/streams.js';
import { claimDueTimers, nextDueAt, type TimerLane } from '../store/timers.js';
import { checkLanes, runLanes } from './lanes.js';
import { claimPending, drainProbe, markFailed, markManyDone, nextRetryWithin, releaseDeadClaims } from '../store/outbox.js';
import { holdLiveness, liveOwnersFor, ownerFor, reapDeadHosts } from '../store/effect-hosts.js';
import { fault, faultsArmed, InjectedFault } from '../store/faults.js';
import { BadEffectError, createHostActivities, eachLimited, type HostActivities } from '../activities/index.js';
import { createMailer, defaultMailboxDir, MailTransportDownError, type Mailer } from '../activities/mail/mailer.js';
import { defaultTarget } from '../store/db.js';
import { DatabaseUnavailableError } from '../store/errors.js';
import { ConnectionLostError, isConnectionLoss } from '../store/reconnect.js';
import { SimulatedClock, systemClock, type Clock } from './clock.js';
import type { Engine, SchoolFilter, SchoolState, SendOptions, SendResult } from './engine.js';
import { DateTime } from 'luxon';
import { historyFromLog, type CheckedHistory } from './history.js';
import { decideAndStoreMany, tryLockStreams, WriteRefusedError, type BatchItem, type BatchOutcome } from './embedded-batch.js';
import { HeadCache } from './head-cache.js';

export interface EmbeddedEngineOptions {
  /** A PGlite folder, "memory://", or a postgres:// URL; default DATABASE_URL else ./.pglite. */
  db?: string;
  /** An open store to use instead (the caller closes it). */
  store?: Store;
  /** The engine runs long (a simulation, the service): see OpenDbOptions.longRunning. */
  longRunning?: boolean;
  mailer?: Mailer;
  /** Mailbox folder for the default mailer when SMTP_URL is not set; default beside the database (activities/mail/mailer.ts defaultMailboxDir). */
  mailbox?: string;
  clock?: Clock;
  logger?: Logger;
  /** Carry out effects right after each send/tick (default), or only when drainOutbox() is called. */
  dispatch?: 'inline' | 'manual';
  /** Outbox: attempts before an effect is left as failed (default 8). */
  maxAttempts?: number;
  /** Outbox: real milliseconds before the first retry of a failed effect, doubling after each failure (default 30 s). */
  retryBaseMs?: number;
  /** Outbox: real milliseconds a claim on an effect holds if its host cannot be seen to die (default 5 minutes). */
  leaseMs?: number;
  /** Real milliseconds to wait at most for Postgres to end the session of a host on this machine that died holding claims (default 30 s; see store/effect-hosts.ts reapDeadHosts). */
  reapWaitMs?: number;
  /** Stream heads kept in memory after a write (default DEFAULT_HEADS_KEPT; host/head-cache.ts). */
  headsKept?: number;
}

/** One event of a sendMany batch. */
export interface SendManyItem {
  urn: string;
  event: PathwayEventInput;
  actor: string;
  expectedVersion?: number;
}

export interface SendManyResult extends Omit<BatchOutcome, 'rowMarks' | 'heads'> {
  /** How many events were stored. */
  sent: number;
}

export interface TickReport {
  fired: number;
  effects: { done: number; failed: number };
  until: string;
}

const RETRY_BASE_MS = 30_000;
const LEASE_MS = 5 * 60_000;
/** Effects carried out at once on Postgres (PGlite runs one query at a time anyway). */
const DISPATCH_PARALLEL = 8;
/** Outbox items a drain claims per pass. */
const CLAIM_LIMIT = 50;
/**
 * Times a drain asks to record an effect done or failed when the connection is
 * lost under it, pausing 50 ms, then twice as long each time (about 6 s in
 * all). A kill of the server's connections cuts the pool's idle ones too, and
 * each try may meet one of those before the pool has noticed; left
 * unrecorded, the effects stay leased to this live host for the lease's 5
 * minutes (issue 12).
 */
const MARK_TRIES = 8;
/** A tick waits this long at most (real time) for an effect's retry before moving the clock past it. */
const SETTLE_MS = 1_000;

/** Runs an idempotent write again while it fails for a lost connection, MARK_TRIES times at most. */
async function whileConnectionLost<T>(write: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await write();
    } catch (e) {
      if (e instanceof InjectedFault || !(e instanceof ConnectionLostError || isConnectionLoss(e)) || tries >= MARK_TRIES) throw e;
      await new Promise((r) => setTimeout(r, 50 * 2 ** (tries - 1)));
    }
  }
}

/** "2021-03-01" (end of that London day) or an ISO instant, as an instant. Pure. */
export function endOfDayOrInstant(at: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(at)) {
    const d = DateTime.fromISO(at, { zone: 'Europe/London' });
    if (!d.isValid) throw new RangeError(`not a date: ${at}`);
    return d.endOf('day').toISO()!;
  }
  if (Number.isNaN(Date.parse(at))) throw new RangeError(`not a date or ISO instant: ${JSON.stringify(at)}`);
  return at;
}

export class EmbeddedEngine implements Engine {
  readonly kind = 'embedded' as const;
  readonly activities: HostActivities;
  private dispatching: Promise<{ done: number; failed: number }> | null = null;
  /** A drain asked for and not yet started: a caller asking now is served by it too. */
  private queuedDrain: Promise<DrainReport> | null = null;
  /** A write's transaction is being committed (commitWrite): later writes wait in waitingWrites and go together after it. */
  private committing = false;
  /** The heads this engine wrote, so that its next write to a school need not read the state back. */
  private readonly heads: HeadCache;
  private waitingWrites: QueuedWrite[] = [];
  private schedulerTimer: NodeJS.Timeout | null = null;
  private schedulerRun: Promise<unknown> = Promise.resolve();
  /** Ends this host's hold on its liveness lock (Postgres; see store/effect-hosts.ts). */
  private releaseLiveness: () => Promise<void> = async () => undefined;

  constructor(
    readonly store: Store,
    readonly mailer: Mailer,
    readonly clock: Clock,
    private readonly options: EmbeddedEngineOptions,
    private readonly ownsStore: boolean,
  ) {
    this.activities = createHostActivities({ db: store.db, mailer, now: () => (clock === systemClock ? undefined : clock.now()) });
    this.heads = new HeadCache(options.headsKept);
  }

  get db(): Db {
    return this.store.db;
  }

  private get log(): Logger | undefined {
    return this.options.logger;
  }

  /**
   * Makes this host visible as alive to others (Postgres: its session lock),
   * then frees the claims of hosts that died, so that their effects are
   * carried out by the next drain (tick, serve's scheduler, the next write)
   * whatever the simulated clock says. Returns the keys freed.
   */
  async start(): Promise<string[]> {
    this.releaseLiveness = await holdLiveness(this.db, (err) => this.log?.error({ err: err instanceof Error ? err.message : String(err) }, 'effect host liveness lock lost; taking it again'));
    return this.recoverDeadClaims();
  }

  /**
   * Frees the claims (outbox and send-claims) of hosts that died. A host on
   * this machine killed with -9 a moment ago may still hold its liveness lock
   * until Postgres notices its socket closed: its session is ended and its
   * lock waited for (bounded, said on the log or stderr), so that its claims
   * are free now and not only when its lease runs out. Returns the outbox
   * keys freed.
   */
  async recoverDeadClaims(): Promise<string[]> {
    const reaped = await reapDeadHosts(this.db, {
      waitMs: this.options.reapWaitMs ?? 30_000,
      onWait: (message) => (this.log ? this.log.warn(message) : process.stderr.write(`pathway: ${message}\n`)),
    });
    if (reaped.stillHeld.length > 0) {
      const message = `the claims of ${reaped.stillHeld.length} host(s) that died are still held (Postgres has not ended their sessions): ${reaped.stillHeld.join(', ')}; they are taken over as soon as it does, or when their lease runs out`;
      if (this.log) this.log.error(message);
      else process.stderr.write(`pathway: ${message}\n`);
    }
    const freed = await releaseDeadClaims(this.db, ownerFor(this.db), liveOwnersFor(this.db));
    if (freed.length > 0) this.log?.warn({ keys: freed, sessionsEnded: reaped.terminated }, `recovered ${freed.length} effect(s) claimed by a host that died`);
    return freed;
  }

  /** Decide an event for a school and store everything it changes in one transaction; then carry out its effects, if it asked for any. */
  async send(urn: string, input: PathwayEventInput, options: SendOptions): Promise<SendResult> {
    const event = parseEvent(input);
    // A school whose history was tampered with takes nothing more until an admin signs it off (store/tamper.ts).
    // One this process verified before is compared with what it remembers inside the write's transaction instead (batchItemOf),
    // after the caller's check there; here, the caller's check comes first too.
    if (!knownFingerprint(this.db, urn)) {
      if (options.authorize) options.authorize((await this.state(urn)).summary);
      await assertNotTampered(this.db, urn);
    }
    // On a simulated clock, an event recorded at T means time has reached T.
    this.advanceClock(event.at);
    const result = await this.commitWrite({ urn, event, options });
    // The event is stored: a database that goes away now must not make the caller think it was not
    // (a retry would then be refused as stale). Its effects wait in the outbox for the next drain.
    try {
      fault('event.after-commit');
      // A write that asked for no effect (a gap task, say) spends no statement on a drain: anything else waiting
      // (an effect whose retry came due) goes with the next drain, the scheduler's at the latest.
      if (this.options.dispatch !== 'manual' && result.effects.some(inOutbox)) await this.drainOutbox();
    } catch (err) {
      if (!(err instanceof DatabaseUnavailableError)) throw err;
      this.log?.warn({ urn, version: result.version, err: err.message }, `event ${result.version} of ${urn} is stored; its effects wait in the outbox until the database answers again`);
    }
    return result;
  }

  /**
   * Decide and store many events (for many schools, or several for one, in
   * order) in one transaction: all of them or, when one fails, none. With
   * onRejected 'skip' an event the school's state refuses is left out and
   * reported instead, and the rest are stored. For bulk work (simulations,
   * imports); the rows are those send() would write.
   */
  async sendMany(items: SendManyItem[], options: { onRejected?: 'throw' | 'skip' } = {}): Promise<SendManyResult> {
    const parsed = items.map((item, i) => {
      try {
        return { urn: item.urn, event: parseEvent(item.event), actor: item.actor, expectedVersion: item.expectedVersion };
      } catch (err) {
        if (err instanceof ValidationError) throw new ValidationError(err.problems.map((p) => ({ ...p, path: `items.${i}.${p.path}` })), 'events');
        throw err;
      }
    });
    let latest: string | null = null;
    for (const p of parsed) if (latest === null || Date.parse(p.event.at) > Date.parse(latest)) latest = p.event.at;
    if (latest !== null) this.advanceClock(latest);
    const { rowMarks: _marks, heads, ...outcome } = await this.db.tx((tx) => decideAndStoreMany(tx, parsed, { ...options, known: this.heads }));
    this.heads.keep(heads);
    fault('event.after-commit');
    if (this.options.dispatch !== 'manual') await this.drainOutbox();
    return { ...outcome, sent: outcome.results.filter((r) => r !== null).length };
  }

  /**
   * Commits one write (group commit): alone when no other write is being
   * committed; otherwise it waits for that commit and goes with every write
   * that arrived meanwhile in one transaction (decideAndStoreMany), each
   * with the outcome it would have had alone. A write the group refuses, or
   * every write of a group whose transaction refused them all (a stale
   * version, an unknown school), is stored alone again, so its caller gets
   * the same answer as before; nothing of a refused group was written.
   */
  private commitWrite(w: PendingWrite): Promise<SendResult> {
    if (this.committing) return new Promise((resolve, reject) => this.waitingWrites.push({ ...w, resolve, reject }));
    this.committing = true;
    return this.storeAlone(w).finally(() => this.commitWaiting());
  }

  private async storeAlone(w: PendingWrite): Promise<SendResult> {
    // The batch path with one item: its lock, its one read of the stream's head, snapshot, findings and fingerprint, the same rows.
    let outcome: BatchOutcome | undefined;
    for (let attempt = 1; !outcome; attempt++) {
      try {
        outcome = await this.db.tx((tx) => decideAndStoreMany(tx, [batchItemOf(this.db, w)], { known: this.heads }));
      } catch (err) {
        // Changed since this process verified it: verified in full (throwing if tampered), then tried again.
        if (err instanceof StreamChangedError && attempt < 3) await assertNotTampered(this.db, w.urn);
        else if (err instanceof WriteRefusedError) throw err.cause;
        else throw asTamperedError(err);
      }
    }
    this.heads.keep(outcome.heads);
    const result = outcome.results[0]!;
    rememberStored(this.db, outcome, result);
    return result;
  }

  /** Commits the writes that waited, as one group, then whatever waited for that; stops when none is left. */
  private commitWaiting(): void {
    const group = this.waitingWrites.splice(0);
    if (group.length === 0) {
      this.committing = false;
      return;
    }
    void this.storeGroup(group).finally(() => this.commitWaiting());
  }

  private async storeGroup(group: QueuedWrite[]): Promise<void> {
    const alone = async (w: QueuedWrite) => {
      try {
        w.resolve(await this.storeAlone(w));
      } catch (err) {
        w.reject(err);
      }
    };
    if (group.length === 1) return alone(group[0]!);
    let outcome: BatchOutcome;
    try {
      outcome = await this.db.tx((tx) => decideAndStoreMany(tx, group.map((w) => batchItemOf(this.db, w)), { onRejected: 'skip', known: this.heads }));
    } catch (err) {
      // Refused as a whole before anything was written (its transaction rolled back): each alone, for its own answer.
      if (err instanceof VersionConflictError || err instanceof UnknownSchoolError || err instanceof EventRejectedError || err instanceof ValidationError || err instanceof StreamChangedError || err instanceof WriteRefusedError || asTamperedError(err) instanceof TamperedSchoolError) {
        for (const w of group) await alone(w);
        return;
      }
      // Anything else (the database lost, say) may have left the commit's fate unknown: every caller hears it, none is tried again here.
      for (const w of group) w.reject(err);
      return;
    }
    this.heads.keep(outcome.heads);
    const refused = new Set(outcome.rejected.map((r) => r.index));
    const results = outcome.results;
    for (let i = 0; i < group.length; i++) {
      const r = results[i];
      if (refused.has(i) || !r) continue;
      rememberStored(this.db, outcome, r);
      group[i]!.resolve(r);
    }
    // A write the state refused is decided again alone, after the others: the same refusal, in the single path's words.
    for (const i of [...refused].sort((a, b) => a - b)) await alone(group[i]!);
  }

  private advanceClock(instant: string): void {
    if (this.clock instanceof SimulatedClock) this.clock.advanceTo(instant);
  }

  async state(urn: string): Promise<SchoolState> {
    const s = await loadStream<SchoolSummary>(this.db, urn);
    if (!s) throw new UnknownSchoolError(urn);
    return { urn, version: s.version, summary: s.summary, snapshot: s.snapshot };
  }

  /**
   * The school's events (up to `at`, a date meaning the end of that London
   * day, or an instant), the state on that date found by replaying them
   * through the machine, and the hash-chain and replay checks.
   */
  history(urn: string, options: { at?: string } = {}): Promise<CheckedHistory> {
    return historyFromLog(this.db, urn, options.at);
  }

  async schools(filter: SchoolFilter = {}): Promise<SchoolSummary[]> {
    const rows = await listStreams<SchoolSummary>(this.db, filter);
    return rows.map((r) => r.summary);
  }

  /** The earliest pending timer, or null. */
  nextDueAt(): Promise<string | null> {
    return nextDueAt(this.db);
  }

  /**
   * Fire every timer due up to `until`, earliest first, each with its event
   * (actor "timer") in the transaction that deletes it; up to `batch` timers
   * (one per school at a time, so a school's timers fire in order) share a
   * transaction. A school another writer holds is skipped and retried. A
   * simulated clock moves to each batch's last due time. Effects are carried
   * out as time passes.
   *
   * `lanes` (default: 2 on Postgres when effects are carried out by the
   * caller's drain, else 1) run side by side, each on its own connection
   * with its own share of the schools (store/timers.ts TimerLane): while one
   * lane's batch is in Postgres, the next is decided here. A school is in one
   * lane only, so its timers still fire one after another, in due order. With
   * effects carried out inline there is one lane: each batch's effects go out
   * at that batch's time, not at a later time another lane moved the clock to.
   */
  async tick(until: string, onProgress?: (fired: number, at: string) => void, options: { batch?: number; lanes?: number } = {}): Promise<TickReport> {
    const limit = endOfDayOrInstant(until);
    const batchSize = options.batch ?? 200;
    const lanes = checkLanes(options.lanes ?? (this.db.kind === 'postgres' && this.options.dispatch === 'manual' ? 2 : 1), 'tick');
    let fired = 0;
    const effects = { done: 0, failed: 0 };
    // Effects left due by a tick that failed (the database lost, issue 12) go out at the time they were due, before later timers fire.
    if (this.options.dispatch !== 'manual') {
      const r = await this.drainSettled();
      effects.done += r.done;
      effects.failed += r.failed;
    }
    const lane = async (share: TimerLane) => {
      for (;;) {
        const batch = await this.db.tx(async (tx) => {
          const due = await claimDueTimers(tx, limit, batchSize, share);
          if (due.length === 0) return null;
          const first = new Map<string, (typeof due)[number]>();
          for (const t of due) if (!first.has(t.urn)) first.set(t.urn, t);
          const free = await tryLockStreams(tx, [...first.keys()]);
          const timers = [...first.values()].filter((t) => free.has(t.urn));
          if (timers.length === 0) return { busy: true as const, fired: 0, dueAt: due[0]!.dueAt };
          const lastDue = timers.reduce((a, t) => (Date.parse(t.dueAt) > Date.parse(a) ? t.dueAt : a), timers[0]!.dueAt);
          this.advanceClock(lastDue);
          const outcome = await decideAndStoreMany(
            tx,
            timers.map((t) => ({ urn: t.urn, event: parseEvent(t.event), actor: 'timer' })),
            { onRejected: 'skip', firedTimers: timers.map((t) => ({ urn: t.urn, key: t.key })), known: this.heads },
          );
          // A timer whose event the state no longer takes is dropped, and said so; it is not an error of the host.
          for (const r of outcome.rejected) this.log?.warn({ urn: timers[r.index]!.urn, key: timers[r.index]!.key, reason: r.error.message }, 'timer dropped');
          return { busy: false as const, fired: timers.length, dueAt: lastDue, heads: outcome.heads };
        });
        if (batch === null) return;
        if (batch.busy) {
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
        this.heads.keep(batch.heads);
        fired += batch.fired;
        fault('timer.after-fire');
        onProgress?.(fired, batch.dueAt);
        if (this.options.dispatch !== 'manual') {
          const r = await this.drainSettled();
          effects.done += r.done;
          effects.failed += r.failed;
        }
      }
    };
    await runLanes(lanes, (i) => lane({ lane: i, of: lanes }));
    this.advanceClock(limit);
    if (this.options.dispatch !== 'manual') {
      const r = await this.drainSettled();
      effects.done += r.done;
      effects.failed += r.failed;
    }
    return { fired, effects, until: limit };
  }

  /**
   * A drain, then, while an effect that failed will be tried again within
   * SETTLE_MS of real time, a wait for it and another drain (at most 8): a
   * tick catching up with school time carries out an effect that a lost
   * connection made fail at the time it was due, not at the next batch's
   * time. The service's own retries (30 s and more) are not waited for.
   */
  private async drainSettled(): Promise<{ done: number; failed: number }> {
    let last = await this.drainOutbox();
    const total = { done: last.done, failed: last.failed };
    for (let round = 0; round < 8; round++) {
      // The drain's last probe said when the soonest retry comes; a drain that stopped early did not look.
      const soonest = last.retryInMs === undefined ? await nextRetryWithin(this.db, this.clock.now(), SETTLE_MS) : last.retryInMs;
      if (soonest === null || soonest > SETTLE_MS) break;
      await new Promise((r) => setTimeout(r, soonest + 1));
      last = await this.drainOutbox();
      total.done += last.done;
      total.failed += last.failed;
    }
    return total;
  }

  /** Carry out every pending effect due now (one run at a time in this process; SKIP LOCKED across processes). */
  drainOutbox(): Promise<DrainReport> {
    // A drain that failed (the database lost, issue 12) neither stops the next one nor goes unhandled: its caller gets the error.
    // A drain that has not started yet will see everything stored by now: callers share it (concurrent writes each ask for one).
    if (this.queuedDrain) return this.queuedDrain;
    const run: Promise<DrainReport> = (this.dispatching ?? Promise.resolve({ done: 0, failed: 0 }))
      .catch(() => undefined)
      .then(() => {
        if (this.queuedDrain === run) this.queuedDrain = null;
        return this.drainOnce();
      });
    this.queuedDrain = run;
    this.dispatching = run.finally(() => {
      if (this.dispatching === run) this.dispatching = null;
    }) as Promise<DrainReport>;
    this.dispatching.catch(() => undefined);
    return run;
  }

  /**
   * Claims and carries out the effects due by the engine's clock (school
   * time). The claim, its lease and the retry backoff are real time on the
   * database clock, apart from the simulated clock: a claim left by a host
   * that died is taken at once (its liveness lock is free), one whose host is
   * alive is left to it.
   */
  private async drainOnce(): Promise<DrainReport> {
    let done = 0;
    let failed = 0;
    const lease = { owner: ownerFor(this.db), leaseMs: this.options.leaseMs ?? LEASE_MS, live: liveOwnersFor(this.db) };
    const retryBase = this.options.retryBaseMs ?? RETRY_BASE_MS;
    let recovered = false;
    for (;;) {
      const now = this.clock.now();
      const probe = await drainProbe(this.db, now, lease.owner);
      const items = probe.due ? await claimPending(this.db, now, CLAIM_LIMIT, lease) : [];
      if (items.length === 0) {
        // Before saying "nothing left": effects claimed by a host that died are freed and carried out now, not after its lease.
        if (!recovered && probe.foreignClaims && (await this.recoverDeadClaims()).length > 0) {
          recovered = true;
          continue;
        }
        return { done, failed, retryInMs: probe.retryInMs };
      }
      fault('effect.after-claim', ...(faultsArmed() ? new Set(items.map((i) => i.type)) : []));
      let mailDown = 0;
      const performed: string[] = [];
      const failedOne = async (item: (typeof items)[number], err: unknown) => {
        // An injected crash stands for the process dying here: nothing more is written.
        if (err instanceof InjectedFault) throw err;
        failed++;
        const attempts = item.attempts + 1;
        // A mail server that is down is not the effect's fault: it waits (backoff growing to 16 x base) however long that lasts (issue 12).
        const down = err instanceof MailTransportDownError;
        if (down) mailDown++;
        const permanent = err instanceof BadEffectError || (!down && attempts >= (this.options.maxAttempts ?? 8));
        const message = err instanceof Error ? err.message : String(err);
        const retryAfter = permanent ? null : retryBase * 2 ** ((down ? Math.min(attempts, 5) : attempts) - 1);
        // The connection that failed the effect was often cut by the same outage as the pool's idle ones, so this write may meet one too. Left
        // unrecorded, the failure would fail the drain and leave the pass's effects leased to this live host for the lease's 5 minutes (issue 12).
        // Asked again while only this claim's owner may apply it (the first that lands drops the claim), the attempt is counted once.
        await whileConnectionLost(() => markFailed(this.db, item.key, message, retryAfter, lease.owner));
        this.log?.error({ key: item.key, attempts, permanent, err: err instanceof Error ? err.message : String(err) }, 'effect failed');
      };
      const one = async (item: (typeof items)[number]) => {
        try {
          await this.perform(item.payload as Effect);
          fault('effect.after-perform', item.type);
          performed.push(item.key);
        } catch (err) {
          await failedOne(item, err);
        }
      };
      // The pass's messages go out as one batch (one read, one claim for them all); the other effects one by one beside them.
      const notes = items.filter((i) => (i.payload as Effect).type === 'notify');
      const others = items.filter((i) => (i.payload as Effect).type !== 'notify');
      const mail = async () => {
        if (notes.length === 0) return;
        let outcomes: PromiseSettledResult<unknown>[];
        try {
          outcomes = await this.activities.notifyMany(notes.map((i) => i.payload as Notify));
        } catch (err) {
          // A statement of the whole batch failed (a lost connection): each of its effects failed and is tried again after its backoff, as one alone would be.
          if (err instanceof InjectedFault) throw err;
          outcomes = notes.map(() => ({ status: 'rejected', reason: err }));
        }
        for (let k = 0; k < notes.length; k++) {
          const o = outcomes[k]!;
          if (o.status === 'fulfilled') {
            fault('effect.after-perform', notes[k]!.type);
            performed.push(notes[k]!.key);
          } else await failedOne(notes[k]!, o.reason);
        }
      };
      // Effects are independent (each its own key); on Postgres several run at once so their commits share the disk's flushes.
      const parallel = this.db.kind === 'postgres' ? DISPATCH_PARALLEL : 1;
      await Promise.all([mail(), eachLimited(others, parallel, one)]);
      // The pass's effects are marked done together; one that was performed and not yet marked is performed again after a crash, harmlessly (its key).
      // Marking done is idempotent: a connection cut under it is met by asking again (the next statement reconnects), not by leaving the effects leased.
      await whileConnectionLost(() => markManyDone(this.db, performed, now));
      done += performed.length;
      // Every effect of the pass met a mail server that is down: stop here rather than try them again at once, round and round.
      if (mailDown === items.length) return { done, failed };
    }
  }

  private async perform(effect: Effect): Promise<void> {
    switch (effect.type) {
      case 'notify':
        await this.activities.notify(effect);
        return;
      case 'funding.release':
        await this.activities.releaseFunding(effect);
        return;
      case 'evaluation.request':
        await this.activities.requestEvaluation(effect);
        return;
      default:
        throw new BadEffectError(`the outbox holds an effect of unknown type ${(effect as { type: string }).type}`);
    }
  }

  /** Fire due timers on the system clock every `intervalMs` until close(). */
  startScheduler(intervalMs = 15_000): void {
    if (this.schedulerTimer) return;
    const loop = () => {
      this.schedulerRun = this.schedulerRun
        .then(() => this.tick(this.clock.now()))
        .catch((err) => this.log?.error({ err: err instanceof Error ? err.message : String(err) }, 'scheduler tick failed'));
    };
    loop();
    this.schedulerTimer = setInterval(loop, intervalMs);
    this.schedulerTimer.unref();
  }

  async close(): Promise<void> {
    if (this.schedulerTimer) clearInterval(this.schedulerTimer);
    this.schedulerTimer = null;
    await this.schedulerRun;
    await this.dispatching?.catch(() => undefined);
    await this.releaseLiveness();
    await this.mailer.close();
    if (this.ownsStore) await this.store.close();
  }
}

/** Whether an effect waits in the outbox (timers are kept apart). Pure. */
function inOutbox(effect: Effect): boolean {
  return effect.type !== 'timer.set' && effect.type !== 'timer.cancel';
}

/** A person's write as a batch item, with the school's fingerprint as this process last found it intact, to be compared in the transaction. */
function batchItemOf(db: Db, w: PendingWrite): BatchItem {
  return { urn: w.urn, event: w.event, actor: w.options.actor, expectedVersion: w.options.expectedVersion, fingerprint: knownFingerprint(db, w.urn), authorize: w.options.authorize };
}

/** After a commit: the stored event's row is this process's own, so the stream's tamper fingerprint is extended, not read again. */
function rememberStored(db: Db, outcome: BatchOutcome, r: SendResult): void {
  rememberOwnWrite(db, r.urn, r.version, outcome.rowMarks.get(`${r.urn}@${r.version}`) ?? '');
}

/** A write on its way to the log. */
interface PendingWrite {
  urn: string;
  event: PathwayEvent;
  options: SendOptions;
}

/** A write waiting for the commit in flight, with its caller's promise. */
interface QueuedWrite extends PendingWrite {
  resolve(result: SendResult): void;
  reject(err: unknown): void;
}

/** What a drain carried out, and (when it looked) in how many ms of real time the soonest retry of an effect due now comes. */
interface DrainReport {
  done: number;
  failed: number;
  retryInMs?: number | null;
}

/** Open the embedded engine: the store (migrated), the mailer and the activities. */
export async function createEmbeddedEngine(options: EmbeddedEngineOptions = {}): Promise<EmbeddedEngine> {
  const store = options.store ?? (await openStore(options.db, { longRunning: options.longRunning ?? false }));
  const mailer = options.mailer ?? createMailer({ mailboxDir: options.mailbox ?? defaultMailboxDir(options.db ?? defaultTarget()) });
  const engine = new EmbeddedEngine(store, mailer, options.clock ?? systemClock, options, !options.store);
  try {
    await engine.start();
  } catch (err) {
    await engine.close().catch(() => undefined);
    throw err;
  }
  return engine;
}

export { MACHINE_VERSION };
