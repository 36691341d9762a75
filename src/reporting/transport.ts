/** The transport a reporter uses unless given another: HTTP over node:http, loaded on the first send. Its types are in transport-types.ts. */
import type { Transport } from './transport-types.js';

export type { HttpRequest, SendOptions, SendOutcome, Transport } from './transport-types.js';

/** ky over node:http, loaded on the first send: a reporter that never sends never loads an HTTP client. */
export const httpTransport: Transport = (request, options) => import('./http-transport.js').then(({ sendHttpRequest }) => sendHttpRequest(request, options));
