/**
 * The disk spool of closed usage reports: each report is written (atomically, mode 0600) before
 * any attempt to send it, and removed only once the collector has acknowledged it, so an outage
 * or a restart loses nothing and a resend carries the same report_uuid. Bounded in reports and
 * bytes: past either bound the oldest report is given up (counted), as Teleport's backend expires
 * reports 60 days after their window starts. Only files with this spool's own names are ever
 * looked at or removed; anything else in the directory is left alone.
 */
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { ensureDirectory } from '../fs/ensure-directory.js';
import { readRegularFile } from '../fs/read-regular-file.js';
import { MAX_REPORT_BYTES } from '../protocol/usage-wire.js';
import type { UsageReportEntry } from './usage-report-build.js';
import { checkSpooledReport, parseSpoolName, SPOOL_FORMAT, SpoolFileError, spoolFileName, type SpoolName } from './usage-spool-check.js';

export interface SpoolLimits {
  /** Reports kept at most (default 20,000: 60 days of one auth server's reports, with room). */
  maxReports: number;
  /** Bytes kept at most (default 256 MiB). */
  maxBytes: number;
  /** A report whose window started longer ago than this is given up unsent (default 60 days, Teleport's TTL). */
  maxAgeMs: number;
}

export const DEFAULT_SPOOL_LIMITS: SpoolLimits = { maxReports: 20_000, maxBytes: 256 * 1024 * 1024, maxAgeMs: 60 * 24 * 3_600_000 };

export interface SpooledFile extends SpoolName {
  name: string;
  bytes: number;
}

const order = (a: SpooledFile, b: SpooledFile): number => a.rank - b.rank || a.start - b.start || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export class UsageSpool {
  private files: SpooledFile[] = [];
  private bytes = 0;
  /** Files whose content was refused: never sent again by this process, never deleted. */
  private readonly refused = new Set<string>();

  constructor(
    readonly dir: string,
    /** This cluster's anonymized name: a file read back must carry it. */
    private readonly clusterName: string,
    private readonly limits: SpoolLimits = DEFAULT_SPOOL_LIMITS,
    private readonly maxReportBytes = MAX_REPORT_BYTES,
  ) {}

  /** Creates the directory (0700) and lists what an earlier run left; returns the names that are not this spool's. */
  async open(): Promise<string[]> {
    await ensureDirectory(this.dir, 0o700);
    const foreign: string[] = [];
    this.files = [];
    this.bytes = 0;
    for (const name of await readdir(this.dir)) {
      const parsed = parseSpoolName(name);
      // Our own atomic writes' temporary files start with a dot; they are not reports yet.
      if (parsed === undefined) {
        if (!name.startsWith('.')) foreign.push(name);
        continue;
      }
      const info = await stat(join(this.dir, name)).catch(() => undefined);
      if (info === undefined || !info.isFile()) {
        foreign.push(name);
        continue;
      }
      this.files.push({ ...parsed, name, bytes: info.size });
      this.bytes += info.size;
    }
    this.files.sort(order);
    return foreign;
  }

  /** Reports spooled and not refused. */
  pending(): number {
    return this.files.length - this.refused.size;
  }

  /** Writes one report; returns the names of the reports given up to stay within bounds (see giveUp). */
  async add(entry: UsageReportEntry): Promise<string[]> {
    const name = spoolFileName(entry);
    const text = JSON.stringify({ format: SPOOL_FORMAT, kind: entry.kind, report: entry.report });
    await writeFileAtomic(join(this.dir, name), text, 0o600);
    const file: SpooledFile = { ...parseSpoolName(name)!, name, bytes: Buffer.byteLength(text) };
    this.files.push(file);
    this.files.sort(order);
    this.bytes += file.bytes;
    const given: string[] = [];
    while (this.files.length > this.limits.maxReports || this.bytes > this.limits.maxBytes) {
      const oldest = this.files.reduce((found, candidate) => (candidate.start < found.start ? candidate : found));
      if (await this.giveUp(oldest)) given.push(oldest.name);
    }
    return given;
  }

  /** Gives up the reports whose window started more than maxAgeMs before `now`; returns their names. */
  async expire(now: number): Promise<string[]> {
    const given: string[] = [];
    for (const file of this.files.filter((candidate) => candidate.start < now - this.limits.maxAgeMs)) if (await this.giveUp(file)) given.push(file.name);
    return given;
  }

  /**
   * Deletes a report unsent, but only one this spool can prove it wrote (its content checks out):
   * a file that merely has a spool name is refused, left on disk, and no longer counted.
   */
  private async giveUp(file: SpooledFile): Promise<boolean> {
    try {
      await this.read(file);
    } catch {
      this.forget(file.name);
      return false;
    }
    await this.remove(file.name);
    return true;
  }

  private forget(name: string): void {
    const index = this.files.findIndex((file) => file.name === name);
    if (index === -1) return;
    this.bytes -= this.files[index]!.bytes;
    this.files.splice(index, 1);
    this.refused.delete(name);
  }

  /** The next reports to send, in sending order, at most `count`. */
  next(count: number): SpooledFile[] {
    return this.files.filter((file) => !this.refused.has(file.name)).slice(0, count);
  }

  /** Reads a spooled report back and checks it; a refused file is remembered and never offered again. */
  async read(file: SpooledFile): Promise<UsageReportEntry> {
    const path = join(this.dir, file.name);
    try {
      // Twice the report limit leaves room for the spool's JSON, which is larger than binary.
      const text = await readRegularFile(path, 2 * this.maxReportBytes + 4096);
      return checkSpooledReport(text, { file: path, clusterName: this.clusterName, maxReportBytes: this.maxReportBytes });
    } catch (error) {
      this.refused.add(file.name);
      if (error instanceof SpoolFileError) throw error;
      throw new SpoolFileError(path, '', (error as Error).message);
    }
  }

  /** Removes a report once acknowledged (or given up). A file already gone is fine. */
  async remove(name: string): Promise<void> {
    if (!this.files.some((file) => file.name === name)) return;
    this.forget(name);
    await unlink(join(this.dir, name)).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
  }
}
