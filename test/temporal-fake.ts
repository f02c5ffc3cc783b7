/**
 * A stand-in for `@temporalio/workflow`, driven from a test, so the workflow
 * code in workflows/ runs without a Temporal server:
 *
 *   vi.mock('@temporalio/workflow', async () => (await import('./temporal-fake.js')).workflowModule);
 *
 * Time is a fake clock (the test calls vi.useFakeTimers({ toFake: ['Date'] })
 * so `Date.now()` inside the workflow reads it); `condition(fn, ms)` becomes a
 * timer that `advanceTo` fires; activities run the test's implementations and
 * are recorded, so a second run can replay the recorded results the way a
 * worker replays history after a restart (a different activity call is a
 * non-determinism error). It also counts what a real history would hold.
 *
 * Activities fail as on a real worker: each attempt runs inside the SDK's own
 * activity executor (`Activity` of @temporalio/worker, as MockActivityEnvironment
 * builds it), which turns a thrown error into the Failure proto the server
 * reads (`ensureApplicationFailure`: type = `error.constructor?.name ??
 * error.name`). The fake then retries as the server does: until the attempt
 * limit (none by default: unlimited), unless the failure is
 * ApplicationFailure.nonRetryable or its type is in nonRetryableErrorTypes.
 * An activity that would retry for ever stops the test with RetriesForEverError
 * after FOREVER_ATTEMPTS attempts. Retries run at once: backoff intervals are
 * not simulated.
 */
import { vi } from 'vitest';
import { ActivityFailure, ApplicationFailure, RetryState, defaultFailureConverter, encodeRetryState, defaultPayloadConverter, type ProtoFailure } from '@temporalio/common';
import { Activity } from '@temporalio/worker/lib/activity.js';
import { defaultActivityInfo } from '@temporalio/testing';

type Def = { type: 'signal' | 'query' | 'update'; name: string };
type Handler = (...args: any[]) => unknown;

interface Waiter {
  fn: () => boolean;
  resolve: (v: boolean) => void;
  /** Fake-clock ms when its timer fires, or null for a condition without timeout. */
  deadline: number | null;
}

interface PendingActivity {
  name: string;
  args: unknown[];
  options: { retry?: { nonRetryableErrorTypes?: string[]; maximumAttempts?: number }; heartbeatTimeout?: string | number };
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** One activity call as history would keep it. */
export interface ActivityRecord {
  name: string;
  args: unknown;
  outcome: { ok: true; value: unknown } | { ok: false; type: string; message: string; nonRetryable: boolean; retryState: RetryState };
}

/** How many failed attempts of an activity the fake runs before it calls the retries endless. */
export const FOREVER_ATTEMPTS = 200;

/** An activity whose retry policy would retry it for ever: the test must make it succeed or fail for good. */
export class RetriesForEverError extends Error {
  override readonly name = 'RetriesForEverError';
}

/** What the server reads of one failed attempt: the Failure proto's application type and flag. */
export interface AttemptFailure {
  type: string;
  message: string;
  nonRetryable: boolean;
}

/** One attempt of an activity through the SDK's own executor: its result, or the Failure the server would get. */
export async function runAttempt(impl: (...args: any[]) => Promise<unknown>, args: unknown[], attempt = 1, onHeartbeat: (details?: unknown) => void = () => {}): Promise<{ ok: true; value: unknown } | { ok: false; failure: AttemptFailure; proto: ProtoFailure }> {
  const dataConverter = { payloadConverter: defaultPayloadConverter, payloadCodecs: [], failureConverter: defaultFailureConverter };
  const info = { ...defaultActivityInfo, attempt };
  const activity = new Activity(info, impl, dataConverter, { type: 'activity', activityId: info.activityId, workflowId: info.workflowExecution?.workflowId, isLocal: false } as never, undefined, onHeartbeat, undefined, silentLogger, noMetrics as never, []);
  // The worker hands the activity its decoded arguments; the result and the failure come back encoded.
  const result = await activity.run({ args, headers: {} });
  if (result.completed) {
    const payload = result.completed.result;
    return { ok: true, value: payload ? defaultPayloadConverter.fromPayload(payload as never) : undefined };
  }
  const proto = result.failed?.failure as ProtoFailure | undefined;
  if (!proto) throw new Error(`fake: the SDK returned neither a result nor a failure: ${JSON.stringify(result)}`);
  const app = proto.applicationFailureInfo;
  return { ok: false, proto, failure: { type: app?.type ?? '', message: proto.message ?? '', nonRetryable: Boolean(app?.nonRetryable) } };
}

const silentLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const noMetrics = {
  createCounter: () => ({ add() {}, withTags() { return this; } }),
  createHistogram: () => ({ record() {}, withTags() { return this; } }),
  createGauge: () => ({ set() {}, withTags() { return this; } }),
  withTags() { return noMetrics; },
};

/** Thrown by the fake `continueAsNew`, carrying the next run's arguments. */
export class FakeContinueAsNew extends Error {
  override readonly name = 'ContinueAsNew';
  constructor(readonly args: unknown[]) {
    super('continue as new');
  }
}

export class NonDeterminismError extends Error {
  override readonly name = 'NonDeterminismError';
}

const clone = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));

/** What a real history would count (upper bounds: each wake-up is its own workflow task). */
export interface HistoryCounts {
  workflowTasks: number;
  signals: number;
  updates: number;
  timersStarted: number;
  timersFired: number;
  timersCancelled: number;
  activities: number;
  upserts: number;
  continueAsNew: number;
}

export class FakeTemporal {
  workflowId = 'fake';
  continueAsNewSuggested = false;
  /** Why the server suggests continue-as-new (HISTORY_SIZE_TOO_LARGE, ...); undefined as from a server that gives none. */
  suggestedContinueAsNewReasons: string[] | undefined = undefined;
  /** Worker Versioning: a newer build is now the deployment's current one. */
  targetWorkerDeploymentVersionChanged = false;
  /** Run activities as soon as they are scheduled (else the test calls completeActivities). */
  autoComplete = true;
  activityImpls: Record<string, (...args: any[]) => Promise<unknown>> = {};
  /** Every activity call of the current history, in order. */
  records: ActivityRecord[] = [];
  /** Recorded calls the next run must repeat (replay after a restart); served from here, not run. */
  private replaying: ActivityRecord[] = [];
  readonly counts: HistoryCounts = this.zero();
  searchAttributes: Record<string, unknown> = {};
  /** The options of each continue-as-new made with makeContinueAsNewFunc. */
  continueAsNewOptions: unknown[] = [];
  /** Calls per activity name that reached an implementation (not replayed); one per scheduled call. */
  readonly executed: Record<string, unknown[][]> = {};
  /** Attempts per activity name (each retry is one more), as a worker would run them. */
  readonly attempts: Record<string, number> = {};
  /** Heartbeat details per activity name. */
  readonly heartbeats: Record<string, unknown[]> = {};

  private handlers = new Map<string, { handler: Handler; validator?: Handler }>();
  private waiters: Waiter[] = [];
  private pending: PendingActivity[] = [];
  private updatesRunning = 0;
  private result: { done: boolean; value?: unknown; error?: unknown } = { done: false };

  private zero(): HistoryCounts {
    return { workflowTasks: 0, signals: 0, updates: 0, timersStarted: 0, timersFired: 0, timersCancelled: 0, activities: 0, upserts: 0, continueAsNew: 0 };
  }

  /** Forget every handler, waiter and count (a new test). Keeps the clock. */
  reset(): void {
    this.handlers.clear();
    this.waiters = [];
    this.pending = [];
    this.records = [];
    this.replaying = [];
    this.updatesRunning = 0;
    this.continueAsNewSuggested = false;
    this.suggestedContinueAsNewReasons = undefined;
    this.targetWorkerDeploymentVersionChanged = false;
    this.continueAsNewOptions = [];
    this.autoComplete = true;
    this.searchAttributes = {};
    Object.assign(this.counts, this.zero());
    for (const k of Object.keys(this.executed)) delete this.executed[k];
    for (const k of Object.keys(this.attempts)) delete this.attempts[k];
    for (const k of Object.keys(this.heartbeats)) delete this.heartbeats[k];
  }

  /** Start a run of `workflow` (a new run after continue-as-new or a restart: handlers are re-registered). */
  async start<I>(workflow: (input: I) => Promise<unknown>, input: I, options: { replay?: ActivityRecord[] } = {}): Promise<void> {
    this.handlers.clear();
    this.waiters = [];
    this.pending = [];
    this.updatesRunning = 0;
    this.replaying = clone(options.replay ?? []);
    this.records = [];
    this.result = { done: false };
    this.counts.workflowTasks++;
    workflow(clone(input)).then(
      (value) => (this.result = { done: true, value }),
      (error) => (this.result = { done: true, error }),
    );
    await this.settle();
  }

  /** The run's outcome once it returned or continued as new. */
  get outcome(): { done: boolean; value?: unknown; error?: unknown } {
    return this.result;
  }

  /** Let the workflow run until it waits on something only the test can give. */
  async settle(): Promise<void> {
    for (let round = 0; round < 10_000; round++) {
      await new Promise((r) => setImmediate(r));
      let progress = false;
      for (const w of [...this.waiters]) {
        if (w.fn()) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          if (w.deadline !== null) this.counts.timersCancelled++;
          w.resolve(true);
          progress = true;
        }
      }
      if (this.autoComplete && this.pending.length > 0) {
        await this.completeActivities();
        progress = true;
      }
      if (!progress) return;
    }
    throw new Error('the workflow never settled: is it spinning?');
  }

  /**
   * Run the activities scheduled so far (in order) and hand back their
   * results: each attempt through the SDK's executor, retried as the server
   * retries (see the file's comment). Throws RetriesForEverError when one
   * would never stop.
   */
  async completeActivities(limit = Infinity): Promise<number> {
    const batch = this.pending.splice(0, limit);
    if (batch.length > 0) this.counts.workflowTasks++;
    for (const a of batch) {
      const impl = this.activityImpls[a.name];
      if (!impl) throw new Error(`no fake implementation for activity ${a.name}`);
      (this.executed[a.name] ??= []).push(clone(a.args));
      const policy = a.options.retry ?? {};
      const limitAttempts = policy.maximumAttempts && policy.maximumAttempts > 0 ? policy.maximumAttempts : Infinity;
      for (let attempt = 1; ; attempt++) {
        this.attempts[a.name] = (this.attempts[a.name] ?? 0) + 1;
        const r = await runAttempt(impl, clone(a.args), attempt, (d) => (this.heartbeats[a.name] ??= []).push(d));
        if (r.ok) {
          const value = clone(r.value);
          this.records.push({ name: a.name, args: clone(a.args), outcome: { ok: true, value } });
          a.resolve(value);
          break;
        }
        const f = r.failure;
        const byType = (policy.nonRetryableErrorTypes ?? []).includes(f.type);
        const retryState = f.nonRetryable || byType ? RetryState.NON_RETRYABLE_FAILURE : attempt >= limitAttempts ? RetryState.MAXIMUM_ATTEMPTS_REACHED : null;
        if (retryState !== null) {
          this.records.push({ name: a.name, args: clone(a.args), outcome: { ok: false, type: f.type, message: f.message, nonRetryable: f.nonRetryable, retryState } });
          a.reject(activityFailure(a.name, r.proto, retryState));
          break;
        }
        if (attempt >= FOREVER_ATTEMPTS && limitAttempts === Infinity) {
          throw new RetriesForEverError(
            `activity ${a.name} failed ${attempt} times with type ${f.type} ("${f.message}"); a real worker would retry it for ever: ` +
              `the type is not in nonRetryableErrorTypes [${(policy.nonRetryableErrorTypes ?? []).join(', ')}] and the failure is not ApplicationFailure.nonRetryable`,
          );
        }
      }
    }
    return batch.length;
  }

  /** Activities scheduled and not yet completed. */
  get pendingActivities(): { name: string; args: unknown[] }[] {
    return this.pending.map((a) => ({ name: a.name, args: a.args }));
  }

  /** Move the fake clock to `to`, firing every timer due on the way, earliest first. */
  async advanceTo(to: string | number): Promise<void> {
    const target = typeof to === 'number' ? to : Date.parse(to);
    for (;;) {
      const next = this.waiters.filter((w) => w.deadline !== null && w.deadline <= target).sort((a, b) => a.deadline! - b.deadline!)[0];
      if (!next) break;
      vi.setSystemTime(Math.max(Date.now(), next.deadline!));
      this.waiters.splice(this.waiters.indexOf(next), 1);
      this.counts.timersFired++;
      this.counts.workflowTasks++;
      next.resolve(false);
      await this.settle();
    }
    if (Date.now() < target) vi.setSystemTime(target);
    await this.settle();
  }

  /** The earliest pending timer (fake-clock ms), if any. */
  get nextTimer(): number | null {
    const ds = this.waiters.map((w) => w.deadline).filter((d): d is number => d !== null);
    return ds.length ? Math.min(...ds) : null;
  }

  async signal(def: Def, ...args: unknown[]): Promise<void> {
    const h = this.handlers.get(`signal:${def.name}`);
    if (!h) throw new Error(`no handler for signal ${def.name}`);
    this.counts.signals++;
    this.counts.workflowTasks++;
    h.handler(...clone(args));
    await this.settle();
  }

  /**
   * Deliver an update and return its result promise without waiting for it:
   * a validator's refusal throws here, before anything is counted.
   */
  beginUpdate(def: Def, ...args: unknown[]): Promise<unknown> {
    const h = this.handlers.get(`update:${def.name}`);
    if (!h) throw new Error(`no handler for update ${def.name}`);
    h.validator?.(...clone(args));
    this.counts.updates++;
    this.counts.workflowTasks++;
    this.updatesRunning++;
    const result = Promise.resolve(h.handler(...clone(args))).finally(() => this.updatesRunning--);
    return result.then(clone);
  }

  /** Send an update and settle: its result, or its failure; throws if it is still waiting afterwards. */
  async update(def: Def, ...args: unknown[]): Promise<unknown> {
    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown } | null = null;
    this.beginUpdate(def, ...args).then(
      (value) => (outcome = { ok: true, value }),
      (error) => (outcome = { ok: false, error }),
    );
    await this.settle();
    if (outcome === null) throw new Error(`update ${def.name} did not finish: it waits on something the test must give`);
    const o = outcome as { ok: true; value: unknown } | { ok: false; error: unknown };
    if (!o.ok) throw o.error;
    return o.value;
  }

  query(def: Def, ...args: unknown[]): any {
    const h = this.handlers.get(`query:${def.name}`);
    if (!h) throw new Error(`no handler for query ${def.name}`);
    return clone(h.handler(...args));
  }

  /** History events a real server would store for what happened so far (an upper bound). */
  historyEvents(): number {
    const c = this.counts;
    return (
      1 + // WorkflowExecutionStarted
      3 * c.workflowTasks + // scheduled, started, completed
      c.signals +
      2 * c.updates + // accepted, completed
      c.timersStarted + c.timersFired + c.timersCancelled +
      3 * c.activities + // scheduled, started, completed/failed
      c.upserts +
      c.continueAsNew
    );
  }

  // --- the workflow-side API -------------------------------------------------

  condition(fn: () => boolean, timeout?: number | string): Promise<boolean | void> {
    const ms = timeout === undefined ? null : typeof timeout === 'number' ? timeout : parseDuration(timeout);
    if (ms !== null) this.counts.timersStarted++;
    return new Promise((resolve) => {
      this.waiters.push({ fn, resolve: (v) => resolve(ms === null ? undefined : v), deadline: ms === null ? null : Date.now() + ms });
    });
  }

  schedule(name: string, args: unknown[], options: PendingActivity['options']): Promise<unknown> {
    this.counts.activities++;
    const recorded = this.replaying.shift();
    if (recorded) {
      if (recorded.name !== name || JSON.stringify(recorded.args) !== JSON.stringify(clone(args))) {
        throw new NonDeterminismError(`history has activity ${recorded.name} ${JSON.stringify(recorded.args).slice(0, 200)}, the code scheduled ${name} ${JSON.stringify(args).slice(0, 200)}`);
      }
      this.records.push(recorded);
      const o = recorded.outcome;
      return o.ok ? Promise.resolve(clone(o.value)) : Promise.reject(activityFailure(name, { message: o.message, applicationFailureInfo: { type: o.type, nonRetryable: o.nonRetryable } }, o.retryState));
    }
    return new Promise((resolve, reject) => this.pending.push({ name, args: clone(args), options, resolve, reject }));
  }

  setHandler(def: Def, handler: Handler | undefined, options?: { validator?: Handler }): void {
    const key = `${def.type}:${def.name}`;
    if (handler === undefined) this.handlers.delete(key);
    else this.handlers.set(key, { handler, ...(options?.validator ? { validator: options.validator } : {}) });
  }

  upsert(pairs: { key: { name: string }; value: unknown }[]): void {
    this.counts.upserts++;
    for (const p of pairs) {
      if (p.value === null || p.value === undefined) delete this.searchAttributes[p.key.name];
      else this.searchAttributes[p.key.name] = p.value;
    }
  }

  allHandlersFinished(): boolean {
    return this.updatesRunning === 0;
  }
}

/** What the workflow sees of a failed activity: the SDK's own decoding of the server's ActivityFailure around the attempt's Failure. */
function activityFailure(activityType: string, cause: ProtoFailure, retryState: RetryState): ActivityFailure {
  const proto: ProtoFailure = {
    message: 'Activity task failed',
    activityFailureInfo: { activityType: { name: activityType }, activityId: 'fake', retryState: encodeRetryState(retryState), identity: 'fake' },
    cause,
  };
  const err = defaultFailureConverter.failureToError(proto, defaultPayloadConverter);
  if (!(err instanceof ActivityFailure)) throw new Error(`fake: the SDK decoded an activity failure as ${err.constructor.name}`);
  return err;
}

function parseDuration(d: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|seconds?|m|minutes?|h|hours?|d|days?)$/.exec(d.trim());
  if (!m) throw new Error(`fake: cannot read duration ${d}`);
  const n = Number(m[1]);
  const unit = m[2]!;
  return unit.startsWith('ms') || unit.startsWith('milli') ? n : unit.startsWith('s') ? n * 1000 : unit.startsWith('m') ? n * 60_000 : unit.startsWith('h') ? n * 3_600_000 : n * 86_400_000;
}

/** The singleton the mocked module drives. */
export const fake = new FakeTemporal();

const define = (type: Def['type']) => (name: string): Def => ({ type, name });

/** The mocked `@temporalio/workflow`: only what workflows/ uses. */
export const workflowModule = {
  ActivityFailure,
  ApplicationFailure,
  ContinueAsNew: FakeContinueAsNew,
  defineSignal: define('signal'),
  defineQuery: define('query'),
  defineUpdate: define('update'),
  setHandler: (def: Def, handler: Handler | undefined, options?: { validator?: Handler }) => fake.setHandler(def, handler, options),
  condition: (fn: () => boolean, timeout?: number | string) => fake.condition(fn, timeout),
  sleep: (ms: number | string) => fake.condition(() => false, ms),
  proxyActivities: (options: PendingActivity['options']) =>
    new Proxy({}, { get: (_t, name: string) => (...args: unknown[]) => fake.schedule(name, args, options) }),
  continueAsNew: async (...args: unknown[]): Promise<never> => {
    fake.counts.continueAsNew++;
    throw new FakeContinueAsNew(clone(args));
  },
  makeContinueAsNewFunc: (options: unknown) => async (...args: unknown[]): Promise<never> => {
    fake.counts.continueAsNew++;
    fake.continueAsNewOptions.push(options);
    throw new FakeContinueAsNew(clone(args));
  },
  workflowInfo: () => ({
    workflowId: fake.workflowId,
    continueAsNewSuggested: fake.continueAsNewSuggested,
    suggestedContinueAsNewReasons: fake.suggestedContinueAsNewReasons,
    targetWorkerDeploymentVersionChanged: fake.targetWorkerDeploymentVersionChanged,
    historyLength: fake.historyEvents(),
  }),
  upsertSearchAttributes: (pairs: { key: { name: string }; value: unknown }[]) => fake.upsert(pairs),
  allHandlersFinished: () => fake.allHandlersFinished(),
  log: { trace() {}, debug() {}, info() {}, warn() {}, error() {} },
};
