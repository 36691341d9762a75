/**
 * Every registered service through @connectrpc/connect-node's handler, the reference
 * implementation of Connect, gRPC and gRPC-Web over HTTP/1.1 and HTTP/2. Services stay
 * protocol-agnostic: connect-node decodes the message (and checks the framing, the limits and
 * grpc-timeout / connect-timeout-ms), then the message goes back to binary, with the fields it did
 * not know kept, and through the same ingest core as the hand-written Connect path.
 */
import { create, toBinary, type DescMethod } from '@bufbuild/protobuf';
import { Code, ConnectError, createContextKey, createContextValues, type ConnectRouter, type HandlerContext } from '@connectrpc/connect';
import { compressionGzip, connectNodeAdapter } from '@connectrpc/connect-node';
import type { CollectorMetrics } from '../metrics.js';
import { ConnectFailure, type ConnectCode, type HttpRequest, type HttpResponse } from './connect-protocol.js';
import type { IngestCore } from './ingest-core.js';
import { methodOf } from './procedures.js';
import { ANONYMOUS_CALLER, type Caller, type IngestService } from './service.js';

const CODES: Record<ConnectCode, Code> = {
  invalid_argument: Code.InvalidArgument,
  unauthenticated: Code.Unauthenticated,
  not_found: Code.NotFound,
  resource_exhausted: Code.ResourceExhausted,
  internal: Code.Internal,
  unimplemented: Code.Unimplemented,
  unavailable: Code.Unavailable,
  deadline_exceeded: Code.DeadlineExceeded,
};

const CALLER = createContextKey<Caller>(ANONYMOUS_CALLER, { description: 'the tenant the transport proved' });

/**
 * What became of one request. connect-node refuses some calls itself (framing, size, encoding,
 * deadline headers) before any service code runs; such a call never reaches `implementation`, and
 * is counted as received and rejected for reason "protocol" when its response is done.
 */
interface CallState {
  reachedService: boolean;
  servedByFallback: boolean;
}
const CALL_STATE = createContextKey<CallState | undefined>(undefined, { description: 'whether the call reached its service' });

export interface RpcRouterOptions {
  core: IngestCore;
  metrics: CollectorMetrics;
  services: readonly IngestService[];
  /** The body limit of services that set none. */
  maxBodyBytes: number;
  /** The caller of a request, from its connection (TLS client certificate) or anonymous. */
  callerOf: (req: HttpRequest) => Caller;
  /** Served when no procedure matches (the collector's own endpoints and error answers). */
  fallback: (req: HttpRequest, res: HttpResponse) => void;
}

/** Resolves when `signal` fires, with its reason as the rejection. */
const aborted = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

function implementation(options: RpcRouterOptions, service: IngestService, method: DescMethod) {
  return async (message: unknown, context: HandlerContext) => {
    const state = context.values.get(CALL_STATE);
    if (state !== undefined) state.reachedService = true;
    options.metrics.received += 1;
    try {
      // Binary keeps the fields this build's descriptors do not know ($unknown), so the service
      // sees what the client sent, as it does on the hand-written Connect path.
      const body = Buffer.from(toBinary(method.input, message as never));
      const work = options.core.withSlot(() => options.core.ingest(service, 'proto', body, context.values.get(CALLER), context.signal));
      work.catch(() => undefined);
      // At the deadline the answer goes out even if the store is still busy (as on the Connect path).
      const accepted = await Promise.race([work, aborted(context.signal)]);
      return create(method.output, accepted.response as never);
    } catch (error) {
      if (error instanceof ConnectFailure) {
        options.metrics.reject(error.reason);
        throw new ConnectError(error.message, CODES[error.code]);
      }
      if (error instanceof ConnectError) {
        options.metrics.reject(error.code === Code.DeadlineExceeded ? 'deadline' : 'internal');
        throw error;
      }
      options.metrics.reject('internal');
      throw new ConnectError('internal error', Code.Internal);
    }
  };
}

export function createRpcHandler(options: RpcRouterOptions): (req: HttpRequest, res: HttpResponse) => void {
  const routes = (router: ConnectRouter): void => {
    for (const service of options.services) {
      const method = methodOf(service.path);
      router.rpc(method as DescMethod & { methodKind: 'unary' }, implementation(options, service, method) as never, {
        readMaxBytes: service.maxBodyBytes ?? options.maxBodyBytes,
      });
    }
  };
  const states = new WeakMap<HttpRequest, CallState>();
  const fallback = (req: HttpRequest, res: HttpResponse): void => {
    const state = states.get(req);
    if (state !== undefined) state.servedByFallback = true;
    options.fallback(req, res);
  };
  const handler = connectNodeAdapter({
    routes,
    // connect-node's response type narrows write()'s callback; the compatibility objects are the same.
    fallback: fallback as unknown as NonNullable<Parameters<typeof connectNodeAdapter>[0]['fallback']>,
    acceptCompression: [compressionGzip],
    contextValues: (req) => createContextValues().set(CALLER, options.callerOf(req)).set(CALL_STATE, states.get(req)),
  });
  return (req, res) => {
    const state: CallState = { reachedService: false, servedByFallback: false };
    states.set(req, state);
    // A unary call cannot succeed without its service, so one that never reached it was refused.
    res.once('close', () => {
      if (state.reachedService || state.servedByFallback) return;
      options.metrics.received += 1;
      options.metrics.reject('protocol');
    });
    handler(req, res);
  };
}
