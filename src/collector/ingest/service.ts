/**
 * What one ingested Connect procedure is: its path, the family its events are stored under, and
 * how a request body becomes validated events. Services know nothing of HTTP or of the store.
 */
import type { Family } from '../store/record.js';
import type { Encoding } from './connect-protocol.js';

/**
 * What a service noticed while accepting a request, beyond the events themselves. The server
 * counts it in /metrics only once the request's events are stored.
 */
export interface IngestTally {
  /** An undeclared field was skipped; it is never stored. */
  unknownField(): void;
  /** A free-text value failed the screen and was replaced by the redaction marker. */
  redacted(field: string, rule: string): void;
}

export interface IngestService {
  /** The Connect procedure path, e.g. /prehog.v1alpha.TbotReportingService/SubmitTbotEvent. */
  readonly path: string;
  readonly family: Family;
  /** A batch procedure needs more than the server's default body limit. */
  readonly maxBodyBytes?: number;
  /**
   * Decodes and validates one request into the events to store (a batch procedure gives several;
   * all or none). Throws ConnectFailure for anything the client must be told about.
   */
  accept(encoding: Encoding, body: Buffer, receivedAt: Date, tally: IngestTally): unknown[];
}
