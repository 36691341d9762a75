/** The collector's counters, rendered in Prometheus text format for GET /metrics. */
import type { OutboxGauges } from './ship/shipper.js';
import type { DeadLetterReason } from './store/dead-letter.js';

export type RejectReason =
  | 'bad-content-type'
  | 'bad-encoding'
  | 'bad-header'
  | 'too-large'
  | 'decode'
  | 'schema'
  | 'future-timestamp'
  | 'deadline'
  | 'overloaded'
  | 'store-failed'
  | 'read-failed'
  | 'bad-method'
  | 'no-such-procedure'
  | 'no-such-path'
  | 'internal'
  | 'not-anonymized'
  | 'unimplemented-event'
  | 'batch-too-large'
  | 'unauthenticated'
  /** Refused by the gRPC / gRPC-Web / Connect layer (connect-node) before the service saw it: framing, size, encoding. */
  | 'protocol';

/** Labelled counters that ingest services feed (through the server), by Prometheus label set. */
const LABELLED = {
  unknownFields: ['tbot_collector_unknown_fields_skipped_total', 'Fields of accepted requests unknown to the contract, skipped and never stored, by family.'],
  redactions: ['tbot_collector_redacted_total', 'Free-text values replaced by the redaction marker, by family, field and the rule they broke.'],
  repeats: ['tbot_collector_repeated_events_dropped_total', 'Second copies of an event within one request, dropped before storing, by family.'],
  otherValues: ['tbot_collector_vocabulary_other_total', 'Closed-vocabulary values outside their allow-list, stored and forwarded as "other", by family and field.'],
  unknownEvents: [
    'tbot_collector_unknown_events_total',
    'Accepted events of a oneof member the collector does not declare ("unknown event N"), stored raw, by family and field number.',
  ],
} as const;
export type LabelledCounter = keyof typeof LABELLED;

const WRITE_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

export class CollectorMetrics {
  received = 0;
  accepted = 0;
  /** Values of accepted events left out for failing a privacy rule (helper strings). */
  privacyDroppedFields = 0;
  readonly rejected = new Map<RejectReason, number>();
  private readonly writeBuckets = WRITE_BUCKETS_SECONDS.map(() => 0);
  private writeCount = 0;
  private writeSum = 0;
  tornTails = 0;
  forwarded = 0;
  readonly deadLettered = new Map<DeadLetterReason, number>();
  /** Connections closed on arrival because their address already had its share. */
  connectionsRefused = 0;
  /** TLS connections closed after the handshake: their client certificate was unverified, revoked or unknown. */
  tlsRefused = 0;

  /** Set by the forwarder when one runs. */
  forwardQueueDepth: () => number = () => 0;
  /** With a shared store: whether this instance holds the fleet's forwarder lock (no line without one). */
  forwarderLockHeld: (() => boolean) | undefined;
  /** Set by the shipper when one runs (serve --store); its series are shown only then. */
  outbox: (() => OutboxGauges) | undefined;

  private readonly labelled = new Map<LabelledCounter, Map<string, number>>();

  count(counter: LabelledCounter, labels: string, by = 1): void {
    const series = this.labelled.get(counter) ?? this.labelled.set(counter, new Map()).get(counter)!;
    series.set(labels, (series.get(labels) ?? 0) + by);
  }

  reject(reason: RejectReason): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
  }

  observeWrite(millis: number): void {
    const seconds = millis / 1000;
    this.writeCount += 1;
    this.writeSum += seconds;
    WRITE_BUCKETS_SECONDS.forEach((bound, index) => {
      if (seconds <= bound) this.writeBuckets[index]! += 1;
    });
  }

  render(): string {
    const lines = [
      '# HELP tbot_collector_events_received_total Requests to the ingest procedures.',
      '# TYPE tbot_collector_events_received_total counter',
      `tbot_collector_events_received_total ${this.received}`,
      '# HELP tbot_collector_events_accepted_total Events validated and durably stored.',
      '# TYPE tbot_collector_events_accepted_total counter',
      `tbot_collector_events_accepted_total ${this.accepted}`,
      '# HELP tbot_collector_events_rejected_total Requests rejected, by reason.',
      '# TYPE tbot_collector_events_rejected_total counter',
      ...[...this.rejected].map(([reason, count]) => `tbot_collector_events_rejected_total{reason="${reason}"} ${count}`),
      '# HELP tbot_collector_privacy_dropped_fields_total Values of accepted events left out for failing a privacy rule.',
      '# TYPE tbot_collector_privacy_dropped_fields_total counter',
      `tbot_collector_privacy_dropped_fields_total ${this.privacyDroppedFields}`,
      '# HELP tbot_collector_store_write_seconds Time to append and fsync one batch.',
      '# TYPE tbot_collector_store_write_seconds histogram',
      ...WRITE_BUCKETS_SECONDS.map((bound, index) => `tbot_collector_store_write_seconds_bucket{le="${bound}"} ${this.writeBuckets[index]}`),
      `tbot_collector_store_write_seconds_bucket{le="+Inf"} ${this.writeCount}`,
      `tbot_collector_store_write_seconds_sum ${this.writeSum}`,
      `tbot_collector_store_write_seconds_count ${this.writeCount}`,
      '# HELP tbot_collector_store_torn_tails_total Torn last lines found and cut when opening a segment.',
      '# TYPE tbot_collector_store_torn_tails_total counter',
      `tbot_collector_store_torn_tails_total ${this.tornTails}`,
      '# HELP tbot_collector_forward_queue_depth Stored events not yet forwarded to PostHog.',
      '# TYPE tbot_collector_forward_queue_depth gauge',
      `tbot_collector_forward_queue_depth ${this.forwardQueueDepth()}`,
      ...(this.forwarderLockHeld === undefined
        ? []
        : [
            '# HELP tbot_collector_forwarder_lock_held 1 while this instance holds the fleet lock and is the one forwarding to PostHog, else 0.',
            '# TYPE tbot_collector_forwarder_lock_held gauge',
            `tbot_collector_forwarder_lock_held ${this.forwarderLockHeld() ? 1 : 0}`,
          ]),
      '# HELP tbot_collector_forwarded_total Events accepted by PostHog.',
      '# TYPE tbot_collector_forwarded_total counter',
      `tbot_collector_forwarded_total ${this.forwarded}`,
      '# HELP tbot_collector_forward_dead_lettered_total Stored lines parked in dead-letter.ndjson instead of forwarded, by reason.',
      '# TYPE tbot_collector_forward_dead_lettered_total counter',
      ...(['rejected', 'invalid'] as const).map((reason) => `tbot_collector_forward_dead_lettered_total{reason="${reason}"} ${this.deadLettered.get(reason) ?? 0}`),
      '# HELP tbot_collector_connections_refused_total Connections closed on arrival: their remote address was at its connection cap.',
      '# TYPE tbot_collector_connections_refused_total counter',
      `tbot_collector_connections_refused_total ${this.connectionsRefused}`,
      '# HELP tbot_collector_tls_client_certificates_refused_total TLS connections closed after the handshake: the client certificate was unverified, revoked or unknown.',
      '# TYPE tbot_collector_tls_client_certificates_refused_total counter',
      `tbot_collector_tls_client_certificates_refused_total ${this.tlsRefused}`,
      ...this.renderOutbox(),
      ...Object.entries(LABELLED).flatMap(([counter, [name, help]]) => [
        `# HELP ${name} ${help}`,
        `# TYPE ${name} counter`,
        ...[...(this.labelled.get(counter as LabelledCounter) ?? [])].map(([labels, count]) => `${name}{${labels}} ${count}`),
      ]),
      '',
    ];
    return lines.join('\n');
  }

  private renderOutbox(): string[] {
    const outbox = this.outbox?.();
    if (outbox === undefined) return [];
    return [
      '# HELP tbot_collector_outbox_backlog_events Stored events not yet shipped to PostgreSQL.',
      '# TYPE tbot_collector_outbox_backlog_events gauge',
      `tbot_collector_outbox_backlog_events ${outbox.backlogEvents}`,
      '# HELP tbot_collector_outbox_backlog_bytes Bytes of the local segments not yet shipped to PostgreSQL.',
      '# TYPE tbot_collector_outbox_backlog_bytes gauge',
      `tbot_collector_outbox_backlog_bytes ${outbox.backlogBytes}`,
      '# HELP tbot_collector_outbox_shipped_total Events shipped to PostgreSQL (committed; a uuid stored before counts too).',
      '# TYPE tbot_collector_outbox_shipped_total counter',
      `tbot_collector_outbox_shipped_total ${outbox.shipped}`,
      '# HELP tbot_collector_outbox_shipped_from_memory_total Of those, events shipped from memory as ingest wrote them, not read back from the local segments.',
      '# TYPE tbot_collector_outbox_shipped_from_memory_total counter',
      `tbot_collector_outbox_shipped_from_memory_total ${outbox.shippedFromMemory}`,
      '# HELP tbot_collector_outbox_lag_seconds Age of the oldest event not yet shipped to PostgreSQL; 0 when caught up.',
      '# TYPE tbot_collector_outbox_lag_seconds gauge',
      `tbot_collector_outbox_lag_seconds ${outbox.lagSeconds}`,
      '# HELP tbot_collector_outbox_postgres_up 1 when the last exchange with PostgreSQL succeeded, else 0.',
      '# TYPE tbot_collector_outbox_postgres_up gauge',
      `tbot_collector_outbox_postgres_up ${outbox.postgresUp ? 1 : 0}`,
    ];
  }
}
