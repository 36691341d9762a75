/**
 * Each family's report fold, by family name; the worker threads look their fold up here.
 */
import type { Family } from '../store/record.js';
import { connectFold } from './connect/fold.js';
import { discoverFold } from './discover/fold.js';
import type { Fold } from './fold.js';
import { heartbeatFold } from './heartbeat/fold.js';
import { productFold } from './product/fold.js';
import { tbotFold } from './tbot/fold.js';
import { usageFold } from './usage/fold.js';

export const FOLDS: Partial<Record<Family, Fold<unknown>>> = {
  tbot: tbotFold as Fold<unknown>,
  'tbot.heartbeat': heartbeatFold as Fold<unknown>,
  connect: connectFold as Fold<unknown>,
  discover: discoverFold as Fold<unknown>,
  teleport: productFold as Fold<unknown>,
  usage: usageFold as Fold<unknown>,
};
