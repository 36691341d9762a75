/**
 * A loopback stand-in for PostHog's /batch/ endpoint. It records when each batch arrived and what
 * it held; each test says how to answer through `answer`.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type PostHogBatchEvent = { event: string; distinct_id: string; uuid: string; properties: Record<string, unknown> };

export interface PostHogRequest {
  /** performance.now() when the body had arrived. */
  at: number;
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
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url !== '/batch/') return void res.writeHead(404).end();
      const body = Buffer.concat(chunks);
      const batch = (JSON.parse(body.toString()) as { batch: PostHogBatchEvent[] }).batch;
      const index = stub.requests.push({ at: performance.now(), batch, bytes: body.length }) - 1;
      res.on('finish', () => {
        if (res.statusCode >= 200 && res.statusCode < 300) stub.accepted.push(...batch);
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
