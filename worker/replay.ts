/**
 * Replay an exported workflow history (`temporal workflow show --output json`)
 * against the current workflow code, without a server, and say in plain words
 * whether it still fits. Not pure: runs a replay worker in this process.
 *
 * A replay worker does not report a workflow task that throws on the last
 * task of a history; `Worker.runReplayHistory` resolves anyway. So the replay
 * registers workflows/replay-probe.ts, whose sink (one per replay) reports
 * such errors. Each history is judged by its own result alone: the
 * determinism or replay error of its own call, and its own probe. The
 * runtime's log lines are shared by every replay in the process and arrive
 * late, so they judge nothing (they once failed one replay for another's error).
 */
import { DefaultLogger, ReplayError, Runtime, Worker, bundleWorkflowCode, type BundleOptions, type InjectedSinks, type Logger } from '@temporalio/worker';
import { historyFromJSON, type History } from '@temporalio/common/lib/proto-utils.js';
import { DeterminismViolationError } from '@temporalio/workflow';
import * as workflows from '../workflows/index.js';
import type { ReplayProbeSinks } from '../workflows/replay-probe.js';
import { REPLAY_PROBE_PATH, WORKFLOWS_PATH } from './paths.js';

export { REPLAY_PROBE_PATH, WORKFLOWS_PATH };

/** The file is not a Temporal history we can replay. CLI exit 2. */
export class MalformedHistoryError extends Error {
  override readonly name = 'MalformedHistoryError';
}

export interface ScheduledActivity {
  activityType: string;
  args: unknown[];
}

export interface ReplayReport {
  /** replayed: the code fits; nondeterministic: the code no longer makes the same decisions; failed: the code throws. */
  outcome: 'replayed' | 'nondeterministic' | 'failed';
  workflowType: string;
  events: number;
  /** Plain words for a person. */
  message: string;
  /** Activities the code scheduled during the replay, in order (what it would do). */
  activities: ScheduledActivity[];
}

let runtimeCaptured = false;

/**
 * Install the Temporal runtime with a logger that keeps the replays quiet
 * (the failures they log are reported by the probe, per replay). Must run
 * before anything else in the process uses Temporal; returns false when that
 * already happened (nothing is lost: the probe reports failing workflow code).
 * Safe to call twice. Not pure.
 */
export function installReplayRuntime(): boolean {
  if (runtimeCaptured) return true;
  try {
    Runtime.install({
      logger: new DefaultLogger('WARN', () => {}),
      telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
      // A replay must not stop on Ctrl-C half way through the worker's shutdown hooks.
      shutdownSignals: [],
    });
    runtimeCaptured = true;
  } catch {
    runtimeCaptured = false;
  }
  return runtimeCaptured;
}

/**
 * Parse the text of an exported history. Throws MalformedHistoryError naming
 * the file and what is wrong. Pure apart from the protobuf decoding.
 */
export function parseHistory(text: string, source: string): History {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new MalformedHistoryError(`${source} is not JSON (${(err as Error).message}); export a history with: temporal workflow show --workflow-id <id> --output json > history.json`);
  }
  if (json === null || typeof json !== 'object' || !Array.isArray((json as { events?: unknown }).events)) {
    throw new MalformedHistoryError(`${source} is not a Temporal history: it must be an object with an "events" array (temporal workflow show --workflow-id <id> --output json)`);
  }
  const events = (json as { events: unknown[] }).events;
  if (events.length === 0) throw new MalformedHistoryError(`${source} has no events: a history starts with WorkflowExecutionStarted`);
  let history: History;
  try {
    history = historyFromJSON(json);
  } catch (err) {
    throw new MalformedHistoryError(`${source} is not a valid Temporal history: ${(err as Error).message}`);
  }
  const first = history.events?.[0];
  const type = first?.workflowExecutionStartedEventAttributes?.workflowType?.name;
  if (!type) {
    throw new MalformedHistoryError(`${source}: the first event must be WorkflowExecutionStarted with a workflowType (got ${String((events[0] as { eventType?: unknown })?.eventType ?? 'an event without eventType')})`);
  }
  return history;
}

/** The workflow type a parsed history starts. Pure. */
export function workflowTypeOf(history: History): string {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '';
}

export interface ReplayOptions {
  /** Passed to the workflow as its id (histories do not carry it). */
  workflowId?: string;
  /** A bundle from bundleForReplay(), to replay many histories without bundling each time. */
  workflowBundle?: { code: string };
}

const quiet: Logger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/**
 * Bundle the current workflow code with the replay probe (the probe must be
 * in the bundle: a worker ignores interceptor modules given beside a
 * prebuilt bundle). Not pure: runs webpack over workflows/.
 */
export async function bundleForReplay(options: { webpackConfigHook?: BundleOptions['webpackConfigHook'] } = {}): Promise<{ code: string }> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: [REPLAY_PROBE_PATH], logger: quiet, ...options });
  return { code };
}

/**
 * Replay one history against the current workflow code and report the
 * outcome; never throws for a history that does not fit (only for a broken
 * environment). Not pure.
 */
export async function replayHistory(history: History, options: ReplayOptions = {}): Promise<ReplayReport> {
  const workflowType = workflowTypeOf(history);
  const events = history.events?.length ?? 0;
  const activities: ScheduledActivity[] = [];
  const report = (outcome: ReplayReport['outcome'], message: string): ReplayReport => ({ outcome, workflowType, events, message, activities });

  const known = Object.keys(workflows);
  if (!known.includes(workflowType)) {
    return report('failed', `the history is of workflow type "${workflowType}", which the current code does not define (it defines ${known.join(', ')})`);
  }

  installReplayRuntime();
  const failures: string[] = [];
  const sinks: InjectedSinks<ReplayProbeSinks> = {
    replayProbe: {
      failed: { fn: (_info, where, message) => void failures.push(`${where}: ${message}`), callDuringReplay: true },
      activity: { fn: (_info, activityType, args) => void activities.push({ activityType, args }), callDuringReplay: true },
    },
  };
  const workflowBundle = options.workflowBundle ?? (await bundleForReplay());

  try {
    await Worker.runReplayHistory(
      { workflowBundle, sinks, replayName: 'pathway-replay' },
      history,
      options.workflowId ?? `replay-${workflowType}`,
    );
  } catch (err) {
    if (err instanceof DeterminismViolationError) {
      return report(
        'nondeterministic',
        `the current code does not make the decisions this history recorded, so running workflows would break: ${plainNondeterminism(err.message)}. ` +
          'Guard the change with patched() for workflows already running, or ship it under a new Worker build id (see docs/temporal.md).',
      );
    }
    if (err instanceof ReplayError) return report('failed', `the workflow code failed while replaying: ${detailOf(err.message)}`);
    throw err;
  }
  if (failures.length > 0) return report('failed', `the workflow code throws while replaying (a workflow task would fail and retry forever): ${failures.join('; ')}`);
  return report('replayed', `the history (${events} events of ${workflowType}) replays against the current workflow code`);
}

/** Core's nondeterminism text in plain words: which event of the history the code no longer produces. Pure. */
export function plainNondeterminism(message: string): string {
  const m = /(\w+?)(?:Machine| machine)? does not handle (?:this event: )?HistoryEvent\(id: (\d+), (\w+)\)/.exec(message);
  if (m) return `at event ${m[2]} the history records ${m[3]}, but the current code now does ${m[1]} there instead`;
  const n = /Nondeterminism error: ([^"]+)/.exec(message);
  return n ? n[1]!.trim() : detailOf(message);
}

function detailOf(message: string): string {
  const i = message.indexOf('Details: ');
  return i < 0 ? message : message.slice(i + 9);
}
