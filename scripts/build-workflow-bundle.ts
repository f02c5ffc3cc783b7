/**
 * Builds the workflow bundle the worker loads in production:
 * `bundleWorkflowCode` over workflows/index.ts (the same entry the worker
 * bundles at start when no bundle is given), written to
 * dist/workflow-bundle.js or the path given as the first argument. The
 * Dockerfile runs it at image build (`npm run build:workflow-bundle`) and
 * sets PATHWAY_WORKFLOW_BUNDLE to its output, so a worker starts without
 * running webpack and every worker of one image runs byte-identical
 * workflow code. Not pure: runs webpack, writes a file.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleWorkflowCode, type Logger } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../worker/paths.js';

export const DEFAULT_BUNDLE_PATH = 'dist/workflow-bundle.js';

/** Bundler lines worth showing: warnings and errors (webpack's progress is noise in a build log). */
const quietLogger = (warn: (line: string) => void): Logger => {
  const skip = () => {};
  const say = (level: string) => (message: string) => warn(`${level}: ${message}`);
  return { log: (level, message) => (level === 'WARN' || level === 'ERROR' ? warn(`${level}: ${message}`) : undefined), trace: skip, debug: skip, info: skip, warn: say('WARN'), error: say('ERROR') };
};

/** Bundle the workflows and write the bundle to `outFile`; resolves to its absolute path and size. */
export async function buildWorkflowBundle(outFile: string = DEFAULT_BUNDLE_PATH, warn: (line: string) => void = (line) => console.error(line)): Promise<{ path: string; bytes: number }> {
  const path = resolve(outFile);
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger(warn) });
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, code, 'utf8');
  return { path, bytes: Buffer.byteLength(code, 'utf8') };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { path, bytes } = await buildWorkflowBundle(process.argv[2]);
  console.log(`workflow bundle: ${path} (${(bytes / 1024).toFixed(0)} KiB); set PATHWAY_WORKFLOW_BUNDLE=${path} for the worker to load it`);
}
