/**
 * Where the forwarder's lines come from: the local segments (one instance on its own) or the
 * shared PostgreSQL table (the fleet). The forwarder's pacing, backoff, bisecting and parking are
 * written once against this interface; a source only knows how to hand out lines in order and how
 * to remember that they were dealt with.
 *
 * Each turn of the forwarder reads once and then either calls `done` with a prefix of what it read
 * (PostHog took it, or its head was parked) or `release` (nothing was dealt with: a linger, a
 * failed request). Lines not in a `done` prefix are read again on a later turn.
 */

/** Where a line lives, as the dead-letter file and the log name it. */
export type LineOrigin = { segment: string; offset: number } | { store: 'postgres'; uuid: string };

export interface SourceLine {
  /** The stored line, exactly as written. */
  line: string;
  origin: LineOrigin;
}

export interface ForwardSource<L extends SourceLine = SourceLine> {
  /**
   * Whether every new line is announced to the forwarder (notify), as the local store announces
   * each acceptance; lines of the shared table, shipped by any instance, are only found by reading.
   */
  readonly announced: boolean;
  /** Prepares the first read; resolves with how many lines wait to be forwarded. */
  open(): Promise<number>;
  /** Up to `limit` lines not yet dealt with, oldest first. */
  read(limit: number): Promise<L[]>;
  /** `lines`, a prefix of the last read, were dealt with and are never read again; the rest are released. */
  done(lines: L[]): Promise<void>;
  /** Nothing of the last read was dealt with; it is read again on a later turn. */
  release(): Promise<void>;
  /** After the last turn. */
  close(): Promise<void>;
}
