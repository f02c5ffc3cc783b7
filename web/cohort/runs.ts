/**
 * Cohort transition runs started from the pages, kept in this process's
 * memory under a random id so the run page can show progress and then the
 * finished report. The event log remains the record of what moved (each
 * school's ADVANCED event); a report lost at restart can be made again with a
 * dry run, which lists the schools moved as "already moved". At most
 * MAX_RUNS are kept (the oldest finished ones go first). Not pure (random
 * ids, background work).
 */
import { randomUUID } from 'node:crypto';
import type { TransitionReport } from '../../host/cohort.js';

export interface CohortRun {
  id: string;
  hubId: string;
  hubLabel: string;
  from: string;
  to: string;
  groupId: string | null;
  /** "Readiness work group 1, 2026/27 (led by ...)" or null for the whole hub. */
  groupLabel: string | null;
  startedBy: string;
  /** School time (the service clock), ISO. */
  startedAt: string;
  /** Schools the dry run said would move when the run was confirmed. */
  expected: number;
  /** Schools already moved before the run began (progress counts from here). */
  baseline: number;
  status: 'running' | 'finished' | 'failed';
  report: TransitionReport | null;
  /** Why the run as a whole failed (a school's own failure is a row of the report). */
  error: string | null;
}

export const MAX_RUNS = 200;

/** The runs of this process. */
export class CohortRuns {
  private readonly runs = new Map<string, CohortRun>();

  /** Starts `work` in the background and returns its run (status running). Not pure. */
  start(run: Omit<CohortRun, 'id' | 'status' | 'report' | 'error'>, work: () => Promise<TransitionReport>): CohortRun {
    const r: CohortRun = { ...run, id: randomUUID(), status: 'running', report: null, error: null };
    this.runs.set(r.id, r);
    this.trim();
    void work().then(
      (report) => {
        r.report = report;
        r.status = 'finished';
      },
      (err: unknown) => {
        r.error = err instanceof Error ? err.message : String(err);
        r.status = 'failed';
      },
    );
    return r;
  }

  /** A run by id, or undefined. Pure (reads memory). */
  get(id: string): CohortRun | undefined {
    return this.runs.get(id);
  }

  /** The run of the same scope still running, if any (so a double click does not start two). Pure (reads memory). */
  running(scope: { hubId: string; from: string; groupId: string | null }): CohortRun | undefined {
    return [...this.runs.values()].find((r) => r.status === 'running' && r.hubId === scope.hubId && r.from === scope.from && r.groupId === scope.groupId);
  }

  private trim(): void {
    if (this.runs.size <= MAX_RUNS) return;
    for (const [id, r] of this.runs) {
      if (this.runs.size <= MAX_RUNS) break;
      if (r.status !== 'running') this.runs.delete(id);
    }
  }
}
