/** The exact HTTP request the agent sends; `analytics preview` prints this same object. */
import type { Endpoint } from './endpoint.js';
import { SUBMIT_TBOT_EVENT_PATH, type SubmitTbotEventRequest } from '../protocol/tbot-wire.js';

export interface AnalyticsRequest {
  method: 'POST';
  url: string;
  /** Every header the agent sets. node:http adds only host, connection (close) and content-length. */
  headers: Readonly<Record<string, string>>;
  body: string;
}

export function buildAnalyticsRequest(endpoint: Endpoint, payload: SubmitTbotEventRequest, version: string): AnalyticsRequest {
  return {
    method: 'POST',
    url: `${endpoint.base}${SUBMIT_TBOT_EVENT_PATH}`,
    headers: {
      'content-type': 'application/json',
      'connect-protocol-version': '1',
      accept: 'application/json',
      // Replaces fetch's default "node"; carries the product and version only, never a host.
      'user-agent': `tbot/${version}`,
    },
    body: JSON.stringify(payload),
  };
}
