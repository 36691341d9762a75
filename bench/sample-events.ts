/** The tbot.start the reporter benches capture and send: a continuous agent with one output of each counted kind. */
import type { TbotStartEvent } from '../src/protocol/tbot-wire.js';

export const SAMPLE_START: TbotStartEvent = {
  run_mode: 'continuous',
  version: '1.2.3',
  join_type: 'iam',
  destinations_configured: 4,
  destinations_configured_database_access: 1,
  destinations_configured_kubernetes_access: 1,
  destinations_configured_application_access: 1,
};
