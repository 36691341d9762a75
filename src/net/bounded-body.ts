/**
 * Response bodies read with a bound and always released. Under nodeHttpFetch an unread body keeps
 * its socket open for as long as the server cares to keep sending, so every caller either reads
 * to the end within a byte limit or cancels; cancelling destroys the socket. The time bound is the
 * request's own abort signal: aborting it ends a read that is waiting on a silent server.
 */

export interface BoundedBody {
  text: string;
  /** False when the body went past the limit and the rest was dropped. */
  whole: boolean;
}

export async function readBodyBounded(response: Response, limit: number): Promise<BoundedBody> {
  if (response.body === null) return { text: '', whole: true };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return { text: Buffer.concat(chunks).toString('utf8'), whole: true };
      }
      const room = limit - size;
      chunks.push(next.value.subarray(0, Math.max(0, room)));
      size += next.value.byteLength;
      if (size > limit) return { text: Buffer.concat(chunks).toString('utf8'), whole: false };
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
  }
}

/** The status said all there is to know: release the connection without reading further. */
export async function discardBody(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}
