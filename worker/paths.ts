/**
 * Where the workflow code lives, for the worker (which bundles it at start)
 * and for replays. Pure: paths from this file's URL.
 */
import { fileURLToPath } from 'node:url';

/** .ts in the sources, .js in the compiled dist/ (npm run build): the workflows are bundled from the code that runs. */
const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
/** The workflows module the worker registers (bundled into Temporal's sandbox). */
export const WORKFLOWS_PATH = fileURLToPath(new URL(`../workflows/index.${ext}`, import.meta.url));
/** The interceptor that reports failed workflow tasks during a replay. */
export const REPLAY_PROBE_PATH = fileURLToPath(new URL(`../workflows/replay-probe.${ext}`, import.meta.url));
