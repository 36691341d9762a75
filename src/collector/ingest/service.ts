/**
 * What one ingested Connect procedure is: its path, the family its events are stored under, and
 * how a request body becomes validated events. Services know nothing of HTTP or of the store.
 */
import type { Family } from '../store/record.js';
import type { Encoding } from './connect-protocol.js';

export interface IngestService {
  /** The Connect procedure path, e.g. /prehog.v1alpha.TbotReportingService/SubmitTbotEvent. */
  readonly path: string;
  readonly family: Family;
  /**
   * Decodes and validates one request into the events to store (a batch procedure gives several;
   * all or none). Throws ConnectFailure for anything the client must be told about.
   */
  accept(encoding: Encoding, body: Buffer, receivedAt: Date): unknown[];
}
