/**
 * What one ingested Connect procedure is: its path, the family its events are stored under, and
 * how a request body becomes validated events. Services know nothing of HTTP or of the store.
 */
import type { Family } from '../store/record.js';
import type { Encoding } from './connect-protocol.js';

/** A free-text value that failed the screen and was replaced by the redaction marker. */
export interface Redaction {
  /** The family of the event it was in, when a procedure stores several; the service's otherwise. */
  family?: Family;
  field: string;
  /** The rule it broke (a RedactionRule of free-text.ts), a metric label. */
  rule: string;
}

/** What a service tolerated in an accepted request, for the metrics (never stored). */
export interface IngestNotes {
  /** Fields the contract does not define, skipped (a newer sender may have added them). */
  unknownFields: number;
  /** Values left out because they failed a privacy rule (the event itself is kept). */
  privacyDroppedFields: number;
  redactions: Redaction[];
  /** Closed-vocabulary fields whose value was outside the allow-list and was stored as `other`. */
  otherValues: string[];
  /** Second copies of an event within the request, dropped (event-checks.ts, dropRepeats). */
  repeats: number;
  /** Oneof members this collector does not declare, stored raw ("unknown event N"): their family and field number. */
  unknownEvents: { family: Family; number: number }[];
}

export interface Accepted {
  /** The events to store, together: all of them or none. */
  events: unknown[];
  /** Each event's family when a procedure stores several (a mixed batch); the service's family otherwise. */
  families?: readonly Family[];
  /** Counted in /metrics only once the events are stored: a refused request counts nothing. */
  notes?: Partial<IngestNotes>;
  /**
   * The procedure's response message, as @bufbuild/protobuf's create() takes its fields; absent,
   * the empty message. Every protocol encodes it in the request's own encoding.
   */
  response?: Record<string, unknown>;
}

/**
 * Who made the call, as the transport established it. Services never look at HTTP, TLS or headers
 * themselves: the transport layer fills this in.
 */
export interface Caller {
  /** The tenant named by a verified, unrevoked client certificate; absent on an unauthenticated call. */
  readonly tenant?: string;
}

/** A caller the transport could not authenticate (plain HTTP, or TLS without a tenant certificate). */
export const ANONYMOUS_CALLER: Caller = Object.freeze({});

export interface IngestService {
  /** The Connect procedure path, e.g. /prehog.v1alpha.TbotReportingService/SubmitTbotEvent. */
  readonly path: string;
  readonly family: Family;
  /** The body limit, compressed and after decompression; the server's default when absent. */
  readonly maxBodyBytes?: number;
  /**
   * 'tenant': the transport refuses a call without a tenant (Connect unauthenticated, HTTP 401; gRPC
   * status 16) before accept runs. 'open' (the default): anyone may call; accept may still refuse
   * members that need a tenant.
   */
  readonly auth?: 'open' | 'tenant';
  /**
   * Decodes and validates one request into the events to store (a batch procedure gives several;
   * all or none). Throws ConnectFailure for anything the client must be told about.
   */
  accept(encoding: Encoding, body: Buffer, receivedAt: Date, caller: Caller): Accepted;
}
