/** SIGINT/SIGTERM ask the agent to stop cleanly; a second one exits at once. SIGHUP is logged and ignored. */
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
  // Node's default for SIGHUP is to exit; a `systemctl reload` must not kill the agent.
  const onHangup = (): void => logger.warn('SIGHUP ignored: reloading the config is not supported; restart the agent to apply changes');
  for (const name of SIGNALS) process.on(name, onSignal);
  process.on('SIGHUP', onHangup);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const name of SIGNALS) process.off(name, onSignal);
      process.off('SIGHUP', onHangup);
    },
  };
}
