/**
 * The stream heads (stored snapshot and summary) this process last wrote, so
 * that its next write to a school need not read the 6-8 KB snapshot back
 * from the database (issue 10: at 100 schools x 2 years that read was 31 MB
 * of the host's traffic). A head is used only while the streams row is the
 * very row version this process wrote: the batch's head read compares the
 * row's version and physical version (xmin), which any other write to the
 * row changes (another host, a migration, a hand edit), and then reads the
 * snapshot as before. Bounded, least recently used first out. Kept after
 * commit only (EmbeddedEngine), so a rolled-back batch leaves nothing behind.
 * Not pure (a cache).
 */
import type { PersistedPathway } from '../machines/decide.js';
import type { SchoolSummary } from '../machines/summary.js';

/** A stream's head as this process wrote it. */
export interface KnownHead {
  /** The streams row's version and physical version as written: "version@xmin". */
  mark: string;
  snapshot: PersistedPathway;
  summary: SchoolSummary;
}

/** Heads kept by default: about 9 KB each in memory (500 simulated schools' heads parsed: 9.0 KB each), so some 36 MB for a host writing to 4,000 schools in turn. */
export const DEFAULT_HEADS_KEPT = 4000;

export class HeadCache {
  private readonly heads = new Map<string, KnownHead>();

  constructor(readonly max: number = DEFAULT_HEADS_KEPT) {}

  /** The head kept for `urn`, now the most recently used. */
  get(urn: string): KnownHead | undefined {
    const h = this.heads.get(urn);
    if (h) {
      this.heads.delete(urn);
      this.heads.set(urn, h);
    }
    return h;
  }

  /**
   * Keeps heads a committed batch wrote. Their objects are shared with the
   * batch's results, and the machines never change a state they are given,
   * so the summary and the state's top level are frozen: a caller that tried
   * to change one would fail at once instead of changing the next write.
   */
  keep(heads: Iterable<[string, KnownHead]>): void {
    if (this.max <= 0) return;
    for (const [urn, h] of heads) {
      Object.freeze(h.summary);
      Object.freeze(h.snapshot);
      this.heads.delete(urn);
      this.heads.set(urn, h);
    }
    for (const urn of this.heads.keys()) {
      if (this.heads.size <= this.max) break;
      this.heads.delete(urn);
    }
  }

  /** The URNs and marks to send with a head read (the statement returns no snapshot for a row that still has its mark), and those heads, to use then: the cache may drop them meanwhile. */
  marksOf(urns: readonly string[]): { urns: string[]; marks: string[]; heads: Map<string, KnownHead> } {
    const out = { urns: [] as string[], marks: [] as string[], heads: new Map<string, KnownHead>() };
    for (const u of urns) {
      const h = this.get(u);
      if (h) {
        out.urns.push(u);
        out.marks.push(h.mark);
        out.heads.set(u, h);
      }
    }
    return out;
  }

  get size(): number {
    return this.heads.size;
  }
}
