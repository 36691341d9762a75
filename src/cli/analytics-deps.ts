/** The analytics dependencies every command that builds or sends the event uses, wired to the runtime. */
import type { AnalyticsDeps } from '../analytics/session.js';
import type { Logger } from '../log/logger.js';
import { BUILD } from '../version.js';
import type { Runtime } from './runtime.js';

export function analyticsDeps(runtime: Runtime, logger: Logger): AnalyticsDeps {
  return {
    env: runtime.env,
    version: BUILD.version,
    defaultEndpoint: BUILD.defaultAnalyticsEndpoint,
    logger,
    now: runtime.now,
    randomUUID: runtime.randomUUID,
    random: runtime.random,
  };
}
