/**
 * The tbot report as the CLI prints it and the dashboard shows it: the starts' tally with the
 * continuous agents' heartbeats as a section of it. One place, so the JSON, the HTML file and the
 * dashboard page carry the same numbers.
 */
import type { HeartbeatReport } from '../heartbeat/fold.js';
import { formatHeartbeatHtml } from '../heartbeat/format.js';
import type { TbotReport } from './fold.js';
import { formatHtml } from './html.js';

/** The heartbeat section shares the report's window and filters, so it does not repeat them. */
export type HeartbeatSection = Omit<HeartbeatReport, 'window' | 'filters'>;

export type TbotSummary = TbotReport & { heartbeats: HeartbeatSection };

export function heartbeatSection(heartbeats: HeartbeatReport): HeartbeatSection {
  const { window: _window, filters: _filters, ...section } = heartbeats;
  return section;
}

export function tbotSummary(report: TbotReport, heartbeats: HeartbeatReport): TbotSummary {
  return { ...report, heartbeats: heartbeatSection(heartbeats) };
}

/** The page `report tbot --format html` writes: the starts, then the heartbeat section. */
export function formatTbotPageHtml(report: TbotReport, heartbeats: HeartbeatReport): string {
  return formatHtml(report).replace('</main>', `${formatHeartbeatHtml(heartbeats)}</main>`);
}
