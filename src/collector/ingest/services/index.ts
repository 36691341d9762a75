/** Every Connect procedure the collector serves. Adding a service is one module and one line here. */
import type { IngestService } from '../service.js';
import { connectServices } from './connect.js';
import { heartbeatService } from './heartbeat.js';
import { tbotService } from './tbot.js';
import { tbotBatchService } from './tbot-batch.js';
import { teleportEventServices } from './teleport-events.js';
import { usageReportService } from './usage-reports.js';

export const INGEST_SERVICES: readonly IngestService[] = [tbotService, tbotBatchService, heartbeatService, ...connectServices, ...teleportEventServices, usageReportService];
