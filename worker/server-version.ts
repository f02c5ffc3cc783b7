/**
 * The oldest Temporal server the worker runs against, and the check it makes
 * at start (the server reports its version in GetSystemInfo).
 *
 * Why 1.30.2: the Temporal host pins each school to the worker build it
 * started its year on and moves it at the year end when
 * `targetWorkerDeploymentVersionChanged` is set, which the server sends only
 * from v1.30.2; on v1.30.0 a pinned run is told `continueAsNewSuggested`
 * whenever its target differs (temporalio/temporal#9239). Pure.
 */

export const MIN_SERVER_VERSION = '1.30.2';

/** The server is older than the worker needs. CLI exit 1. */
export class ServerTooOldError extends Error {
  override readonly name = 'ServerTooOldError';
  constructor(readonly serverVersion: string, readonly address: string) {
    super(
      `the Temporal server at ${address} is version ${serverVersion}; the pathway worker needs ${MIN_SERVER_VERSION} or later ` +
        '(schools move to new rules at the year end only with targetWorkerDeploymentVersionChanged, sent from 1.30.2). ' +
        `Upgrade the server (docker-compose.yml pins it), or point TEMPORAL_ADDRESS at one that is ${MIN_SERVER_VERSION} or later.`,
    );
  }
}

/** "1.30.2" -> [1, 30, 2]; null when the text holds no version. Pure. */
export function parseServerVersion(text: string | null | undefined): [number, number, number] | null {
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(text ?? '');
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/**
 * Whether a server of this version will do: 'ok', 'too-old', or 'unknown'
 * when it reports no version (the worker then warns and goes on). Pure.
 */
export function judgeServerVersion(text: string | null | undefined): 'ok' | 'too-old' | 'unknown' {
  const v = parseServerVersion(text);
  if (!v) return 'unknown';
  const min = parseServerVersion(MIN_SERVER_VERSION)!;
  for (let i = 0; i < 3; i++) {
    if (v[i]! > min[i]!) return 'ok';
    if (v[i]! < min[i]!) return 'too-old';
  }
  return 'ok';
}
