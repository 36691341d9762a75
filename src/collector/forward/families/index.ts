/** Each family's PostHog mapping. Adding a family is one module and one line here. */
import type { Family, StoredRecord } from '../../store/record.js';
import type { FamilyEvent } from '../posthog-types.js';
import { heartbeatToPostHog } from './heartbeat.js';
import { connectToPostHog } from './connect.js';
import { discoverToPostHog } from './discover.js';
import { tbotToPostHog } from './tbot.js';
import { teleportToPostHog } from './teleport.js';
import { usageToPostHog } from './usage.js';

export const POSTHOG_MAPPERS: Record<Family, (stored: StoredRecord) => FamilyEvent> = {
  tbot: tbotToPostHog,
  'tbot.heartbeat': heartbeatToPostHog,
  connect: connectToPostHog,
  discover: discoverToPostHog,
  teleport: teleportToPostHog,
  usage: usageToPostHog,
};
