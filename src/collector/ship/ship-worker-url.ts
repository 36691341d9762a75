/**
 * Where the built ship-worker script is: beside the bundle that serves (dist/). Under tsx (dev)
 * there is no built worker, so the shipper runs on the serving thread.
 */
export const SHIP_WORKER: URL | undefined = import.meta.url.endsWith('.mjs') ? new URL('./tbot-collector-ship-worker.mjs', import.meta.url) : undefined;
