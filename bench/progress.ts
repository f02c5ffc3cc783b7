/**
 * Progress of a long bench step on stderr: a rewritten line on a terminal,
 * otherwise a line every few seconds (so CI logs stay short). Not pure
 * (reads the clock, writes to stderr).
 */
export interface Progress {
  /** Report that `done` of the step's `total` units are finished (and anything else worth saying). */
  update(done: number, detail?: string, total?: number): void;
  /** Print the final line. */
  finish(extra?: string): void;
}

/** A progress reporter for `label`; silent when `enabled` is false. */
export function progress(label: string, total: number, unit: string, enabled = true): Progress {
  const started = performance.now();
  const tty = process.stderr.isTTY === true;
  let last = started;
  let done = 0;
  let said = '';
  const line = () => {
    const s = (performance.now() - started) / 1000;
    const rate = s > 0 ? done / s : 0;
    const pct = total > 0 ? ` ${Math.min(100, (done / total) * 100).toFixed(1)}%` : '';
    const eta = rate > 0 && total > done ? `, about ${Math.ceil((total - done) / rate)} s left` : '';
    return `${label}: ${done.toLocaleString('en-GB')}/${total.toLocaleString('en-GB')} ${unit}${pct} in ${s.toFixed(1)} s (${Math.round(rate).toLocaleString('en-GB')} ${unit}/s${eta})${said ? `; ${said}` : ''}`;
  };
  return {
    update(n: number, detail?: string, newTotal?: number) {
      done = n;
      if (newTotal !== undefined) total = newTotal;
      if (detail !== undefined) said = detail;
      if (!enabled) return;
      const now = performance.now();
      if (now - last < (tty ? 200 : 5000)) return;
      last = now;
      process.stderr.write(tty ? `\r${line()}\x1b[K` : `${line()}\n`);
    },
    finish(extra?: string) {
      if (!enabled) return;
      process.stderr.write(`${tty ? '\r' : ''}${line()}${extra ? ` ${extra}` : ''}${tty ? '\x1b[K' : ''}\n`);
    },
  };
}
