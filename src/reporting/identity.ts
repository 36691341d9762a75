/**
 * Where an event's distinct_id comes from. Which one a sender uses is a privacy decision:
 * - PersistedDistinctId: one UUIDv4 per installation, kept in the app-data directory. For apps a
 *   person runs again and again (Connect): daily actives need the same id across launches.
 * - EphemeralDistinctId: one UUIDv4 per process, never written. For the agent's tbot.start: a
 *   start is counted, a machine is never followed from one start to the next.
 * - PerEventDistinctId: a fresh UUIDv4 for every event. For the agent's heartbeats: each one counts
 *   an agent running that day, and no two of them (nor the start) can be linked.
 */
import { randomUUID as cryptoRandomUUID } from 'node:crypto';
import { join } from 'node:path';
import { readOrCreateOnce } from './create-once.js';

export interface DistinctIdSource {
  /** The id of an event captured now, or undefined when it is only known at send time. Synchronous and cheap. */
  forEvent(): string | undefined;
  /** The id for events that got none at capture. A persisted id is created here, on the first send. */
  resolve(): Promise<string>;
}

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export class EphemeralDistinctId implements DistinctIdSource {
  readonly id: string;
  constructor(randomUUID: () => string = cryptoRandomUUID) {
    this.id = randomUUID();
  }
  forEvent(): string {
    return this.id;
  }
  resolve(): Promise<string> {
    return Promise.resolve(this.id);
  }
}

export class PerEventDistinctId implements DistinctIdSource {
  constructor(private readonly randomUUID: () => string = cryptoRandomUUID) {}
  forEvent(): string {
    return this.randomUUID();
  }
  resolve(): Promise<string> {
    return Promise.resolve(this.randomUUID());
  }
}

export const DISTINCT_ID_FILE = 'distinct-id';

/**
 * The installation's id in `<appDataDir>/distinct-id` (0600): a bare lower-case UUIDv4. Nothing is
 * written until the first send, so an app whose user never consented leaves no file behind. A
 * damaged file is moved aside and replaced, as Teleport Connect does with its installation id.
 */
export class PersistedDistinctId implements DistinctIdSource {
  readonly path: string;
  private id: string | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    appDataDir: string,
    private readonly randomUUID: () => string = cryptoRandomUUID,
  ) {
    this.path = join(appDataDir, DISTINCT_ID_FILE);
  }

  forEvent(): string | undefined {
    return this.id;
  }

  resolve(): Promise<string> {
    this.pending ??= readOrCreateOnce(
      this.path,
      () => Buffer.from(this.randomUUID()),
      (bytes) => UUID_V4.test(bytes.toString('utf8').trim()),
    ).then(
      ({ bytes }) => (this.id = bytes.toString('utf8').trim()),
      (error: unknown) => {
        // A failed attempt (disk full, permissions) may succeed later.
        this.pending = undefined;
        throw error;
      },
    );
    return this.pending;
  }
}
