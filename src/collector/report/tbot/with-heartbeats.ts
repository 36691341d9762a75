/**
 * The tbot report as the CLI prints it and the dashboard shows it: the starts' tally with the
 * continuous agents' heartbeats as a section of it. One place, so the JSON, the HTML file and the
 * dashboard page carry the same numbers.
 */
import { renewalHealth } from '../heartbeat/band.js';
import type { HeartbeatReport } from '../heartbeat/fold.js';
import { formatHeartbeatHtml } from '../heartbeat/format.js';
import { compareHeadlines } from '../summary-strip.js';
import type { ReportWindow } from '../window.js';
import type { TbotReport } from './fold.js';
import { tbotHeadline } from './headline.js';
import { formatHtml } from './html.js';

/** The heartbeat section shares the report's window and filters, so it does not repeat them. */
export type HeartbeatSection = Omit<HeartbeatReport, 'window' | 'filters'>;

export function heartbeatSection(heartbeats: HeartbeatReport): HeartbeatSection {
  const { window: _window, filters: _filters, ...section } = heartbeats;
  return section;
}

/** A period's starts and heartbeats, and the period before it, folded alike. */
export interface TbotPeriods {
  starts: { current: TbotReport; previous: TbotReport };
  heartbeats: { current: HeartbeatReport; previous: HeartbeatReport };
  previousWindow: ReportWindow;
}

/**
 * What `report tbot --format json` prints and every other rendering is made from: the starts, the
 * summary strip against the period before, and the heartbeat section with its usual failure band.
 * The CLI and the dashboard both call this, so their numbers are one.
 */
export function tbotView({ starts, heartbeats, previousWindow }: TbotPeriods) {
  const health = renewalHealth(heartbeats.current);
  return {
    ...starts.current,
    summary: compareHeadlines(tbotHeadline(starts.current, heartbeats.current), tbotHeadline(starts.previous, heartbeats.previous), previousWindow),
    heartbeats: { ...heartbeatSection(heartbeats.current), usualFailureRate: health.band, daysAboveUsual: health.daysAbove },
  };
}

export type TbotView = ReturnType<typeof tbotView>;

/** Whether the period holds nothing at all: no start, no heartbeat, no damaged line. */
export const tbotIsEmpty = ({ starts, heartbeats }: TbotPeriods): boolean =>
  starts.current.total + starts.current.skipped + heartbeats.current.total + heartbeats.current.skipped === 0;

/** The page `report tbot --format html` writes: the starts with their strip, then the heartbeat section. */
export const formatTbotViewHtml = (view: TbotView, heartbeats: HeartbeatReport): string => formatHtml(view, formatHeartbeatHtml(heartbeats));
