/**
 * Puts a folder made once into a shared place (the temp folder), whole or not
 * at all: it is made beside its place and renamed into it, so a test file
 * running in parallel never copies half of it; when another file published
 * it meanwhile, theirs is kept (it is the same). Not pure (file I/O).
 */
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Makes `target` (if it does not exist) by calling `fill` with an empty path beside it, then renaming that into place. */
export async function publishFolder(target: string, fill: (path: string) => Promise<void> | void): Promise<void> {
  if (existsSync(target)) return;
  const partial = mkdtempSync(`${target}.partial-`);
  try {
    const made = join(partial, 'made');
    await fill(made);
    try {
      renameSync(made, target);
    } catch (err) {
      if (!existsSync(target)) throw err;
    }
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}
