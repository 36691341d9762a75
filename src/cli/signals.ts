/** SIGINT/SIGTERM ask the agent to stop cleanly; a second one exits at once. */
import type { Logger } from '../log/logger.js';

export interface StopHandle {
  signal: AbortSignal;
  dispose(): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export function stopOnSignals(logger: Logger): StopHandle {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      logger.warn(`second ${name}: exiting immediately`);
      process.exit(130);
    }
    logger.info(`received ${name}, stopping`);
    controller.abort();
  };
  for (const name of SIGNALS) process.on(name, onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const name of SIGNALS) process.off(name, onSignal);
    },
  };
}
