/**
 * A reporting service as the reporter needs to know it: the Connect unary path of its single
 * method, how a request is put together, the JSON Schema check every request must pass, and its
 * batch method if it has one. No protobuf descriptor is involved: the reporter speaks ProtoJSON.
 */
import type { AnyEventType } from './event-type.js';

/** Fields every request envelope may use; a service picks the ones its message has. */
export interface RequestMeta {
  distinctId: string;
  /** When the event was captured, RFC 3339 in UTC. */
  timestamp: string;
}

/** A request's verdict: undefined when it may be sent, otherwise why not (for a debug line). */
export type RequestCheck = (request: unknown) => string | undefined;

export interface ServiceDescriptor<E extends AnyEventType = AnyEventType> {
  /** The fully-qualified service name, e.g. tbotanalytics.v1.AgentReportingService. */
  readonly name: string;
  readonly events: readonly E[];
  readonly single: {
    /** e.g. /prehog.v1alpha.TbotReportingService/SubmitTbotEvent */
    readonly path: string;
    /** The request message in ProtoJSON; its key order is the order on the wire. */
    request(meta: RequestMeta, wire: unknown): unknown;
    check: RequestCheck;
  };
  readonly batch?: {
    readonly path: string;
    /** The most events one call may carry (Teleport's SubmitEvents takes 500). */
    readonly max: number;
    /** The largest body the receiver takes (default 64 KiB, the collector's limit); a bigger batch is split. */
    readonly maxBytes?: number;
    request(singles: readonly unknown[]): unknown;
    check: RequestCheck;
  };
}

export class ServiceDefinitionError extends Error {
  override name = 'ServiceDefinitionError';
}

const PROCEDURE = /^\/[A-Za-z_][\w.]*\.[A-Za-z_]\w*\/[A-Za-z_]\w*$/;

export function defineService<E extends AnyEventType>(service: ServiceDescriptor<E>): ServiceDescriptor<E> {
  for (const path of [service.single.path, ...(service.batch === undefined ? [] : [service.batch.path])]) {
    if (!PROCEDURE.test(path)) throw new ServiceDefinitionError(`${service.name}: ${JSON.stringify(path)} is not a Connect procedure path (/package.Service/Method)`);
  }
  if (service.batch !== undefined && !(Number.isInteger(service.batch.max) && service.batch.max >= 1 && service.batch.max <= 500)) {
    throw new ServiceDefinitionError(`${service.name}: batch max ${service.batch.max}; expected a whole number from 1 to 500`);
  }
  return Object.freeze(service);
}

/** The shape of an ajv validate function (compiled or standalone), without depending on ajv. */
export interface SchemaValidator {
  (data: unknown): boolean;
  errors?: readonly { instancePath: string; message?: string; keyword: string; params: Record<string, unknown> }[] | null;
}

/** A RequestCheck from a JSON Schema validator: the first error, with its path and any offending property name. */
export function schemaCheck(validate: SchemaValidator): RequestCheck {
  return (request) => {
    if (validate(request)) return undefined;
    const error = validate.errors?.[0];
    if (error === undefined) return 'failed its schema';
    const extra = error.keyword === 'additionalProperties' ? ` "${String(error.params['additionalProperty'])}"` : '';
    return `${error.instancePath || '/'} ${error.message ?? error.keyword}${extra}`;
  };
}
