/**
 * Europe/London as a luxon zone that remembers its offsets. Luxon's own
 * IANA zone asks Intl.DateTimeFormat.formatToParts for the offset on every
 * conversion, and that was the largest single CPU cost of a simulated hub
 * (dates in every email, schedule and timer). London's offset changes only
 * on the hour in UTC (01:00 UTC at each clock change, and on whole hours in
 * every earlier rule), so the offset found for one instant holds for its
 * whole UTC hour. Everything else is luxon's zone, unchanged; luxon formats
 * with it as the IANA zone it names. Pure: a cache of a pure function.
 */
import { IANAZone, Zone, type ZoneOffsetFormat, type ZoneOffsetOptions } from 'luxon';

const HOUR_MS = 3_600_000;
/** Enough hours for any run here (a century is 876,600); dropped whole beyond it so memory stays bounded. */
const MAX_CACHED_HOURS = 1_000_000;

class LondonZone extends Zone {
  readonly #iana = IANAZone.create('Europe/London');
  readonly #offsets = new Map<number, number>();

  override get type(): string {
    return 'iana';
  }

  override get name(): string {
    return this.#iana.name;
  }

  override get isUniversal(): boolean {
    return false;
  }

  override get isValid(): boolean {
    return this.#iana.isValid;
  }

  override offsetName(ts: number, options: ZoneOffsetOptions): string | null {
    return this.#iana.offsetName(ts, options);
  }

  override formatOffset(ts: number, format: ZoneOffsetFormat): string {
    return this.#iana.formatOffset(ts, format);
  }

  /** Minutes ahead of UTC at `ts` (epoch ms), luxon's answer remembered per UTC hour. */
  override offset(ts: number): number {
    if (!Number.isFinite(ts)) return this.#iana.offset(ts);
    const hour = Math.floor(ts / HOUR_MS);
    let minutes = this.#offsets.get(hour);
    if (minutes === undefined) {
      if (this.#offsets.size >= MAX_CACHED_HOURS) this.#offsets.clear();
      minutes = this.#iana.offset(ts);
      this.#offsets.set(hour, minutes);
    }
    return minutes;
  }

  override equals(other: Zone): boolean {
    return other.type === 'iana' && other.name === this.name;
  }
}

/** Europe/London for luxon: pass it wherever luxon takes a zone. */
export const londonZone: Zone = new LondonZone();
