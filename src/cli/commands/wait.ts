/** `tbot wait --diag-addr HOST:PORT [--service NAME] [--timeout DUR]`: wait until a running agent is ready. */
import { parseDuration } from '../../config/duration.js';
import { waitForReady, waitUrl } from '../../diag/wait-for-ready.js';
import { UsageError } from '../../errors.js';
import { nodeHttpFetch } from '../../net/node-http-fetch.js';
import { sleep } from '../../time/sleep.js';
import type { Invocation } from '../command-types.js';
import { loggerFor } from '../config-input.js';
import { reportFatal } from '../report-error.js';
import type { Runtime } from '../runtime.js';

/** One GET whose body is never read (only the status matters), so no answer's size can cost anything. */
async function getStatus(url: string, signal: AbortSignal): Promise<number> {
  const response = await nodeHttpFetch(url, { signal });
  await response.body
    ?.getReader()
    .cancel()
    .catch(() => undefined);
  return response.status;
}

export async function run(invocation: Invocation, runtime: Runtime): Promise<number> {
  const diagAddr = invocation.values['diag-addr'] as string;
  const service = invocation.values['service'] as string | undefined;
  const timeoutText = invocation.values['timeout'] as string | undefined;
  const timeoutMs = timeoutText === undefined ? 0 : parseDuration(timeoutText);
  if (timeoutMs === undefined || timeoutMs < 0) throw new UsageError(`--timeout ${JSON.stringify(timeoutText)} is not a duration; expected e.g. 30s, 2m or 1m30s`);
  const logger = loggerFor(invocation.values['debug'] === true, invocation, runtime);
  try {
    const url = waitUrl(diagAddr, service);
    logger.info('waiting for bot to become available', { diag_addr: diagAddr, ...(service === undefined ? {} : { service }) });
    // As in tbot, no --timeout (or 0) waits for as long as it takes.
    const deadline = timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : new AbortController().signal;
    await waitForReady(url, deadline, timeoutText ?? 'no timeout', {
      get: getStatus,
      sleep: (ms, signal) => sleep(ms, signal),
      random: runtime.random,
      now: () => runtime.now().getTime(),
      logger,
    });
    return 0;
  } catch (error) {
    return reportFatal(error, runtime.stderr);
  }
}
