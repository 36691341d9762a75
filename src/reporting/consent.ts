/**
 * Consent for an app that asks its user once and remembers the answer, in a small JSON file in
 * the app-data directory. DO_NOT_TRACK always wins. With no answer the reporter captures nothing,
 * buffers nothing and writes nothing: the consent file itself is written only when the user answers.
 */
import { dirname, join } from 'node:path';
import { replaceRegularFileAtomic } from '../fs/atomic-write.js';
import { describeFsError } from '../fs/describe-fs-error.js';
import { makeDirectories } from '../fs/make-directories.js';
import { readRegularFile, RefusedFileError } from '../fs/read-regular-file.js';
import { doNotTrackIsSet, type Env } from './do-not-track.js';

/** The question the product-metrics design asks, word for word. */
export const CONSENT_PROMPT = 'Are you OK sending anonymized usage data about Teleport Connect? This will help us to improve product';
/** Raise when the prompt's meaning changes: a "yes" to an older prompt no longer counts. */
export const CONSENT_PROMPT_VERSION = 1;
export const CONSENT_FILE = 'analytics-consent.json';
/**
 * A real answer is under 100 bytes; the cap only keeps a wrong file (a log, an image) from being
 * read whole into memory.
 */
export const MAX_CONSENT_FILE_BYTES = 4096;

export type ConsentState = 'granted' | 'denied' | 'unanswered';
export type ConsentAnswer = 'yes' | 'no';

/** What a reporter asks before it captures and again before it sends. */
export interface ConsentSource {
  state(): ConsentState;
}

export interface ConsentRecord {
  answer: ConsentAnswer;
  /** When the user answered, RFC 3339. */
  askedAt: string;
  promptVersion: number;
}

/** Consent decided elsewhere, e.g. by the agent's flags, env and config. */
export function fixedConsent(granted: boolean): ConsentSource {
  const state: ConsentState = granted ? 'granted' : 'denied';
  return { state: () => state };
}

function parseRecord(text: string): ConsentRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const record = value as Partial<ConsentRecord> | null;
  if (typeof record !== 'object' || record === null) return undefined;
  if (record.answer !== 'yes' && record.answer !== 'no') return undefined;
  if (typeof record.askedAt !== 'string' || Number.isNaN(Date.parse(record.askedAt))) return undefined;
  if (!Number.isInteger(record.promptVersion) || (record.promptVersion as number) < 1) return undefined;
  return { answer: record.answer, askedAt: record.askedAt, promptVersion: record.promptVersion as number };
}

/**
 * What answer() did. The answer is in force either way; `saveProblem` says why it could not be
 * kept on disk (the user will then be asked again at the next launch).
 */
export interface ConsentAnswerOutcome {
  record: ConsentRecord;
  saved: boolean;
  /** `<path>: <reason>` when the save failed. */
  saveProblem?: string;
}

export interface ConsentStoreOptions {
  /** Read once, at open: DO_NOT_TRACK set then forces "denied" for the life of the store. */
  env?: Env;
}

export class ConsentStore implements ConsentSource {
  private current: ConsentRecord | undefined;

  private constructor(
    readonly path: string,
    private readonly doNotTrack: boolean,
    record: ConsentRecord | undefined,
    /** Why an existing file was not understood; the app may log it. The user is then asked again. */
    readonly problem: string | undefined,
  ) {
    this.current = record;
  }

  /** Reads the answer, if any. Writes nothing. */
  static async open(appDataDir: string, options: ConsentStoreOptions = {}): Promise<ConsentStore> {
    const path = join(appDataDir, CONSENT_FILE);
    const doNotTrack = doNotTrackIsSet(options.env ?? process.env);
    let text: string;
    try {
      // Regular files only, and never more than the cap: a FIFO there must not hang the app's
      // start, nor a link to /dev/zero or a huge file fill its memory.
      text = await readRegularFile(path, MAX_CONSENT_FILE_BYTES);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new ConsentStore(path, doNotTrack, undefined, undefined);
      const reason = error instanceof RefusedFileError ? `it is ${error.message}` : describeFsError(error);
      return new ConsentStore(path, doNotTrack, undefined, `${path}: ${reason}`);
    }
    const record = parseRecord(text);
    return new ConsentStore(
      path,
      doNotTrack,
      record,
      record === undefined ? `${path}: expected {"answer":"yes"|"no","askedAt":<RFC 3339>,"promptVersion":<integer ≥ 1>}` : undefined,
    );
  }

  get record(): ConsentRecord | undefined {
    return this.current;
  }

  /** DO_NOT_TRACK, then a "no" (to any prompt version), then a "yes" to the current prompt. */
  state(): ConsentState {
    if (this.doNotTrack) return 'denied';
    if (this.current === undefined) return 'unanswered';
    if (this.current.answer === 'no') return 'denied';
    return this.current.promptVersion >= CONSENT_PROMPT_VERSION ? 'granted' : 'unanswered';
  }

  /** Whether the app should show CONSENT_PROMPT now. Never under DO_NOT_TRACK. */
  shouldAsk(): boolean {
    return this.state() === 'unanswered';
  }

  /**
   * Puts the user's answer in force at once, then saves it (atomically, 0600, creating the
   * app-data directory 0700 if needed). Saving is best effort and never throws: a "no" that cannot
   * be written (read-only or full disk, a path that is not a directory) must still stop analytics
   * for this run, so the answer is set in memory before any I/O, and the failure is returned for
   * the app to tell the user.
   */
  async answer(answer: ConsentAnswer, at: Date = new Date()): Promise<ConsentAnswerOutcome> {
    const record: ConsentRecord = { answer, askedAt: at.toISOString(), promptVersion: CONSENT_PROMPT_VERSION };
    this.current = record;
    try {
      await makeDirectories(dirname(this.path), 0o700);
      await replaceRegularFileAtomic(this.path, `${JSON.stringify(record)}\n`, 0o600);
      return { record, saved: true };
    } catch (error) {
      const reason = error instanceof RefusedFileError ? `it is ${error.message}` : describeFsError(error);
      return { record, saved: false, saveProblem: `${this.path}: ${reason}` };
    }
  }
}
