/**
 * The product-usage tally (family `teleport`): how many events of each kind each tenant's auth
 * servers reported in the window, by the event's own time, with distinct identities, so a retried
 * request counts once. A member the collector does not declare is counted as "unknown event N".
 */
import { messageSchema } from '../../../protocol/descriptors.js';
import { DISCOVER_REQUEST } from '../../../protocol/discover-wire.js';
import { unknownEventLabel, type StoredTeleportEvent } from '../../../protocol/teleport-wire.js';
import { recordUuid } from '../../store/event-identity.js';
import type { StoredRecord } from '../../store/record.js';
import { bumpCell, mergeCounts, table, type Counts, type Fold } from '../fold.js';
import { eventSecond, inWindow, type ReportWindow } from '../window.js';

export interface ProductReport {
  window: ReportWindow;
  /** tenant → event (the member's proto name, or "unknown event N") → events. */
  events: Record<string, Counts>;
  /** Lines of the family that did not hold a product event (damage); never counted. */
  skipped: number;
  /** Stored lines that repeated an identity already counted (a client's retry). */
  repeats: number;
  /** Identities counted, each with the tenant and event it was counted under: a retry counts once. */
  seen: Record<string, [tenant: string, name: string]>;
}

/** The member a stored request carries, by its proto name, or the unknown member's label. */
export function productEventName(event: StoredTeleportEvent): string | undefined {
  if (event.unknown !== undefined) return unknownEventLabel(event.unknown.number);
  const member = messageSchema(DISCOVER_REQUEST).oneofs[0]!.fields.find((field) => typeof event.request[field.jsonName] === 'object' && event.request[field.jsonName] !== null);
  return member?.name;
}

const isProductEvent = (event: unknown): event is StoredTeleportEvent => {
  const candidate = event as Partial<StoredTeleportEvent>;
  return typeof candidate.tenant === 'string' && typeof candidate.request === 'object' && candidate.request !== null && typeof candidate.request['timestamp'] === 'string';
};

export const productFold: Fold<ProductReport> = {
  empty: (window) => ({ window, events: table(), skipped: 0, repeats: 0, seen: Object.create(null) as ProductReport['seen'] }),
  valid: (record) => isProductEvent(record.event) && productEventName(record.event) !== undefined,
  add(report, record: StoredRecord) {
    const event = record.event as StoredTeleportEvent;
    if (!inWindow(eventSecond(event.request['timestamp'], record.received_at), report.window)) return;
    const uuid = recordUuid(record);
    if (report.seen[uuid] !== undefined) {
      report.repeats += 1;
      return;
    }
    const name = productEventName(event)!;
    report.seen[uuid] = [event.tenant, name];
    bumpCell(report.events, event.tenant, name);
  },
  merge(target, part) {
    // A retry can land in another worker's share of the segments: there too it counts once.
    for (const [uuid, [tenant, name]] of Object.entries(part.seen)) {
      if (target.seen[uuid] === undefined) target.seen[uuid] = [tenant, name];
      else {
        part.events[tenant]![name]! -= 1;
        part.repeats += 1;
      }
    }
    target.skipped += part.skipped;
    target.repeats += part.repeats;
    mergeCounts(target.events, part.events);
  },
  skip: (report) => {
    report.skipped += 1;
  },
};
