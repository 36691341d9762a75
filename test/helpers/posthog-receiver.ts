/** A loopback PostHog-shaped receiver: POST /batch/ recorded byte for byte, with failures on demand. */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PostHogBatchEvent {
  event: string;
  distinct_id: string;
  timestamp: string;
  uuid: string;
  properties: Record<string, unknown>;
}

export interface PostHogReceiver {
  url: string;
  /** Raw bodies of the batches answered 200, in arrival order. */
  bodies: Buffer[];
  events(): PostHogBatchEvent[];
  /** The next `count` batches get a 503 and are not recorded. */
  failNext(count: number): void;
  until(condition: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startPostHogReceiver(): Promise<PostHogReceiver> {
  const bodies: Buffer[] = [];
  let failures = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/batch/') return void res.writeHead(404).end();
      if (failures > 0) {
        failures -= 1;
        return void res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"down"}');
      }
      bodies.push(Buffer.concat(chunks));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":1}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    events: () => bodies.flatMap((body) => (JSON.parse(body.toString('utf8')) as { batch: PostHogBatchEvent[] }).batch),
    failNext: (count) => {
      failures = count;
    },
    until: async (condition, timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error('timed out waiting for the PostHog receiver');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
