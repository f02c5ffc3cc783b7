/**
 * `pathway temporal replay <history.json> [--workflow-id id] [--json]`:
 * replays a history exported with `temporal workflow show --output json`
 * against the current workflow code, with no server. Exit 0 when it replays,
 * 1 when the code is no longer deterministic for it (or throws), 2 when the
 * file is not a history. `pathway temporal adopt [--json]`: starts a workflow
 * for every school the Postgres log holds that has none (a database the
 * embedded host wrote, now run with PATHWAY_ENGINE=temporal); each takes its
 * state from the log. Also registers `pathway worker` (cli/commands/worker.ts).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { UsageError } from '../exit.js';
import * as worker from './worker.js';
import { MalformedHistoryError, parseHistory, replayHistory, type ReplayReport } from '../../worker/replay.js';
import { settings } from '../../config/load.js';
import { TemporalNotConfiguredError } from '../../worker/main.js';
import type { AdoptReport } from '../../host/temporal-engine.js';

/** The adopt report as lines for a person. Pure. */
export function renderAdopt(r: AdoptReport): string {
  const list = (urns: string[]) => (urns.length === 0 ? '' : `: ${urns.join(', ')}`);
  return [`started ${r.started.length} school workflow(s) from the Postgres log${list(r.started)}`, `already running: ${r.running.length}${list(r.running)}`].join('\n');
}

/** Start workflows for the schools the database holds that have none. Not pure: Temporal and the database. */
export async function adoptFromSettings(): Promise<AdoptReport> {
  const c = settings();
  if (!c.temporalAddress) throw new TemporalNotConfiguredError();
  const { openStore } = await import('../../store/index.js');
  const { adoptSchools, createTemporalEngine, workflowStarter } = await import('../../host/temporal-engine.js');
  const store = await openStore(c.db, { longRunning: true });
  try {
    const engine = await createTemporalEngine({ address: c.temporalAddress, namespace: c.temporalNamespace, taskQueue: c.temporalTaskQueue, db: store.db });
    try {
      return await adoptSchools(store.db, workflowStarter(engine.client, c.temporalTaskQueue));
    } finally {
      await engine.close();
    }
  } finally {
    await store.close();
  }
}

/** The report as lines for a person. Pure. */
export function renderReplay(file: string, r: ReplayReport): string {
  const head =
    r.outcome === 'replayed' ? `OK: ${file} replays against the current workflow code.`
    : r.outcome === 'nondeterministic' ? `NOT DETERMINISTIC: ${file} does not replay against the current workflow code.`
    : `FAILED: the workflow code fails while replaying ${file}.`;
  return [head, `  workflow type: ${r.workflowType}`, `  events: ${r.events}`, `  ${r.message}`].join('\n');
}

/** Read, parse and replay one history file. Throws UsageError (exit 2) for a file that is not a history. Not pure. */
export async function replayFile(file: string, workflowId?: string): Promise<ReplayReport> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let history;
  try {
    history = parseHistory(text, file);
  } catch (err) {
    if (err instanceof MalformedHistoryError) throw new UsageError(err.message);
    throw err;
  }
  return replayHistory(history, workflowId ? { workflowId } : {});
}

/** Registers `pathway temporal ...` and `pathway worker` (both belong to the Temporal host). */
export function register(program: Command): void {
  worker.register(program);
  const temporal = program.command('temporal').description('Tools for the Temporal host: replay a history (no server needed), adopt the schools a database holds.');
  temporal
    .command('replay')
    .description('Replay an exported workflow history (temporal workflow show --output json) against the current workflow code; exit 1 if the code no longer fits it.')
    .argument('<history.json>', 'the exported history')
    .option('--workflow-id <id>', 'the workflow id to replay under (histories do not carry it)')
    .option('--json', 'print the report as JSON')
    .action(async (file: string, opts: { workflowId?: string; json?: boolean }) => {
      const report = await replayFile(file, opts.workflowId);
      process.stdout.write(`${opts.json ? JSON.stringify(report, null, 2) : renderReplay(file, report)}\n`);
      process.exitCode = report.outcome === 'replayed' ? 0 : 1;
    });
  temporal
    .command('adopt')
    .description("Start a workflow for every school the database holds that has none (a database the embedded host wrote, moving to PATHWAY_ENGINE=temporal); each takes its state from the Postgres log.")
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }) => {
      const report = await adoptFromSettings();
      process.stdout.write(`${opts.json ? JSON.stringify(report, null, 2) : renderAdopt(report)}\n`);
    });
}
