/**
 * A loopback stand-in for PostHog's /batch/ endpoint. It records when each batch arrived and what
 * it held; each test says how to answer through `answer`. Like PostHog, it counts an event once
 * per uuid (`deliveries` keeps the raw count of each, so a test sees the resends it absorbed).
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type PostHogBatchEvent = { event: string; distinct_id: string; uuid: string; properties: Record<string, unknown> };

export interface PostHogRequest {
  /** performance.now() when the body had arrived. */
  at: number;
  /** performance.now() when the request began to arrive, and when its exchange was over (answered, or the connection gone). */
  began: number;
  ended?: number;
  /** The batch's api_key: tests give each collector its own, to tell who sent what. */
  apiKey: string;
  batch: PostHogBatchEvent[];
  /** Size of the request body. */
  bytes: number;
}

/** Answers one batch; the default accepts it as PostHog does. */
export type Answer = (batch: PostHogBatchEvent[], res: ServerResponse, index: number) => void;

export interface PostHogStub {
  url: string;
  requests: PostHogRequest[];
  answer: Answer;
  /** Every event of every batch answered 2xx, in order. */
  accepted: PostHogBatchEvent[];
  /** How many times each uuid was accepted: PostHog keeps one event per uuid, however often it comes. */
  deliveries: Map<string, number>;
  /** Connections the stub currently has open. */
  openConnections(): Promise<number>;
  until(condition: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export const accept: Answer = (_batch, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":1}');

export async function startPostHog(answer: Answer = accept): Promise<PostHogStub> {
  const stub: PostHogStub = {
    url: '',
    requests: [],
    answer,
    accepted: [],
    deliveries: new Map(),
    openConnections: () => new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count)))),
    until: async (condition, timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out; PostHog stub saw ${stub.requests.length} requests`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const began = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url !== '/batch/') return void res.writeHead(404).end();
      const body = Buffer.concat(chunks);
      const { batch, api_key: apiKey } = JSON.parse(body.toString()) as { batch: PostHogBatchEvent[]; api_key: string };
      const request: PostHogRequest = { at: performance.now(), began, apiKey, batch, bytes: body.length };
      const index = stub.requests.push(request) - 1;
      res.on('close', () => {
        request.ended = performance.now();
      });
      res.on('finish', () => {
        if (res.statusCode < 200 || res.statusCode >= 300) return;
        stub.accepted.push(...batch);
        for (const event of batch) stub.deliveries.set(event.uuid, (stub.deliveries.get(event.uuid) ?? 0) + 1);
      });
      stub.answer(batch, res, index);
    });
    res.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return stub;
}
