/**
 * What every wire protocol does with a call once it has the request's bytes: the in-flight cap,
 * the tenant check of `auth: 'tenant'` services, the service's accept, the durable store, the
 * metrics. The Connect path of server.ts and the connect-node path (rpc-router.ts) both run
 * through here, so the protocols differ only in framing.
 */
import type { CollectorMetrics } from '../metrics.js';
import type { SegmentStore } from '../store/segment-store.js';
import { ConnectFailure, type Encoding } from './connect-protocol.js';
import type { Accepted, Caller, IngestNotes, IngestService } from './service.js';

export interface IngestCoreOptions {
  store: SegmentStore;
  metrics: CollectorMetrics;
  now: () => Date;
  /** Requests being decoded or awaiting their fsync; beyond this, clients are told to retry later. */
  maxInFlight?: number;
  /** Called after events are durably stored (the forwarder uses it to wake up). */
  onAccepted?: (count: number) => void;
}

export const DEFAULT_MAX_IN_FLIGHT = 10_000;

/** Counted only once the request's events are stored: a refused request counts nothing. */
function countNotes(metrics: CollectorMetrics, family: string, notes: Partial<IngestNotes> | undefined): void {
  if (notes === undefined) return;
  if ((notes.unknownFields ?? 0) > 0) metrics.count('unknownFields', `family="${family}"`, notes.unknownFields);
  metrics.privacyDroppedFields += notes.privacyDroppedFields ?? 0;
  for (const redaction of notes.redactions ?? []) metrics.count('redactions', `family="${redaction.family ?? family}",field="${redaction.field}",rule="${redaction.rule}"`);
  for (const unknown of notes.unknownEvents ?? []) metrics.count('unknownEvents', `family="${unknown.family}",number="${unknown.number}"`);
  for (const field of notes.otherValues ?? []) metrics.count('otherValues', `family="${family}",field="${field}"`);
  if ((notes.repeats ?? 0) > 0) metrics.count('repeats', `family="${family}"`, notes.repeats);
}

export const needsTenant = (): ConnectFailure => new ConnectFailure('unauthenticated', 'this procedure needs a tenant client certificate', 'unauthenticated');

export interface IngestCore {
  /**
   * Takes a slot for one call, or throws `unavailable` when all are taken. The slot is held while
   * `work` runs (the body read included), and given back when it settles.
   */
  withSlot<T>(work: () => Promise<T>): Promise<T>;
  /** Accept and store one request's events; stops before storing once `deadline` has fired. */
  ingest(service: IngestService, encoding: Encoding, body: Buffer, caller: Caller, deadline?: AbortSignal): Promise<Accepted>;
}

export function createIngestCore(options: IngestCoreOptions): IngestCore {
  const { store, metrics, now } = options;
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  let inFlight = 0;
  return {
    withSlot: <T>(work: () => Promise<T>): Promise<T> => {
      // The protocol's advice: an overloaded server is unavailable (retry later), not out of quota.
      if (inFlight >= maxInFlight) return Promise.reject(new ConnectFailure('unavailable', 'collector overloaded; retry later', 'overloaded'));
      inFlight += 1;
      return work().finally(() => (inFlight -= 1));
    },
    async ingest(service, encoding, body, caller, deadline) {
      const receivedAt = now();
      // Refused before the service sees a byte: a tenant-only procedure never decodes an anonymous call.
      if (service.auth === 'tenant' && caller.tenant === undefined) throw needsTenant();
      const accepted = service.accept(encoding, body, receivedAt, caller);
      if (deadline?.aborted === true) throw deadline.reason;
      // A mixed batch names each event's family; otherwise every event is the service's.
      const records = accepted.events.map((event, index) => ({ received_at: receivedAt.toISOString(), family: accepted.families?.[index] ?? service.family, event }));
      let stored: number;
      try {
        // What the store skipped (a report it already holds) is not counted as accepted again.
        stored = await store.appendAll(records);
      } catch {
        throw new ConnectFailure('unavailable', 'event store unavailable', 'store-failed');
      }
      metrics.accepted += stored;
      countNotes(metrics, service.family, accepted.notes);
      if (stored > 0) options.onAccepted?.(stored);
      return accepted;
    },
  };
}
