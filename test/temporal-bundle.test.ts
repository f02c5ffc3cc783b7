/**
 * The workflow code bundles for Temporal's sandbox: `bundleWorkflowCode`
 * builds workflows/index.ts with the pure core (xstate, zod, luxon) inside,
 * and refuses, as the control case shows, workflow code that reaches a Node
 * built-in.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleWorkflowCode, type Logger } from '@temporalio/worker';
import { REPLAY_PROBE_PATH, WORKFLOWS_PATH } from '../worker/replay.js';

function recordingLogger(lines: { level: string; message: string }[]): Logger {
  const at = (level: string) => (message: string) => void lines.push({ level, message });
  return { log: (level, message) => void lines.push({ level, message }), trace: at('TRACE'), debug: at('DEBUG'), info: at('INFO'), warn: at('WARN'), error: at('ERROR') };
}

// Inside the project, so the bundler resolves @temporalio/workflow from node_modules as for the real workflows.
const cache = join(process.cwd(), 'node_modules', '.cache');
mkdirSync(cache, { recursive: true });
const scratch = mkdtempSync(join(cache, 'pathway-bundle-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the workflow bundle', () => {
  it('builds from workflows/index.ts with the machines, xstate, zod and luxon inside, and no Node built-ins', async () => {
    const lines: { level: string; message: string }[] = [];
    const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: recordingLogger(lines) });
    expect(lines.filter((l) => l.level === 'WARN' || l.level === 'ERROR')).toEqual([]);
    for (const module of ['workflows/school-pathway.ts', 'workflows/cohort-transition.ts', 'machines/decide.ts', 'machines/pathway.ts', 'node_modules/xstate/', 'node_modules/zod/', 'node_modules/luxon/']) {
      expect(code, module).toContain(module);
    }
    // Node built-ins would appear as externals; the bundler also refuses them (next test).
    expect(code).not.toMatch(/require\(["'](node:)?(fs|path|crypto|os|child_process|net|http|worker_threads)["']\)/);
  });

  it('also builds with the replay probe interceptor', async () => {
    const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: [REPLAY_PROBE_PATH], logger: recordingLogger([]) });
    expect(code).toContain('workflows/replay-probe.ts');
  });

  it('refuses workflow code that imports a Node built-in (the check the first test relies on)', async () => {
    // Plain JavaScript: the bundler compiles TypeScript only outside node_modules.
    const bad = join(scratch, 'bad-workflow.js');
    writeFileSync(bad, [
      "import { readFileSync } from 'fs';",
      `import { initialState } from ${JSON.stringify(join(process.cwd(), 'machines/decide.js'))};`,
      'export async function readsAFile() { return readFileSync(initialState("1").context.urn, "utf8"); }',
    ].join('\n'));
    await expect(bundleWorkflowCode({ workflowsPath: bad, logger: recordingLogger([]) })).rejects.toThrow(/disallowed modules:\s*\n\s*- 'fs'/);
  });
});
