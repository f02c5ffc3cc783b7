/**
 * A workflow interceptor for replays (`pathway temporal replay`, tests): it
 * reports through the `replayProbe` sink any error that would fail a workflow
 * task (a bug, not a Temporal failure), and each activity the code schedules.
 * The failures matter because a replay worker does not report a failed last
 * workflow task: `Worker.runReplayHistory` resolves as if all were well. Runs in the sandbox; registered only on replay workers.
 */
import { ContinueAsNew, TemporalFailure, proxySinks, type Sinks, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

export interface ReplayProbeSinks extends Sinks {
  replayProbe: {
    /** A workflow task would fail with this error (where: "workflow", "signal <name>", ...). */
    failed(where: string, message: string, stack: string): void;
    /** The workflow scheduled this activity (what a replay shows the code would do next). */
    activity(activityType: string, args: unknown[]): void;
  };
}

const { replayProbe } = proxySinks<ReplayProbeSinks>();

/** Errors that end or fail the workflow legitimately, not a failed task. */
function failsTask(err: unknown): boolean {
  return !(err instanceof TemporalFailure) && !(err instanceof ContinueAsNew);
}

function report(where: string, err: unknown): void {
  if (!failsTask(err)) return;
  const e = err instanceof Error ? err : new Error(String(err));
  replayProbe.failed(where, `${e.name}: ${e.message}`, e.stack ?? '');
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      async execute(input, next) {
        try {
          return await next(input);
        } catch (err) {
          report('workflow', err);
          throw err;
        }
      },
      async handleSignal(input, next) {
        try {
          return await next(input);
        } catch (err) {
          report(`signal ${input.signalName}`, err);
          throw err;
        }
      },
      async handleUpdate(input, next) {
        try {
          return await next(input);
        } catch (err) {
          report(`update ${input.name}`, err);
          throw err;
        }
      },
    },
  ],
  outbound: [
    {
      scheduleActivity(input, next) {
        replayProbe.activity(input.activityType, input.args);
        return next(input);
      },
    },
  ],
});
