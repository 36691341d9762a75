/**
 * How an example app settles the consent question before it captures anything: DO_NOT_TRACK, then
 * an answer given on the command line (for scripts), then an answer stored earlier, then the
 * question itself on a terminal. Only an answer writes a file; with none, nothing is written.
 */
import { createInterface } from 'node:readline';
import { CONSENT_PROMPT, doNotTrackIsSet, type ConsentAnswer, type ConsentAnswerOutcome, type ConsentStore } from '../../src/reporting/index.js';

export interface ConsentTerminal {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream;
}

export type ConsentOutcome =
  /** `says` is one line for the user: whether analytics is on, and what decided it. */
  | { kind: 'settled'; granted: boolean; says: string }
  /** Ctrl-C at the question: the app quits, nothing written. */
  | { kind: 'interrupted' };

export interface SettleConsentOptions {
  store: ConsentStore;
  /** --yes / --no */
  flag: ConsentAnswer | undefined;
  env: NodeJS.ProcessEnv;
  terminal: ConsentTerminal;
  now?: () => Date;
}

const NOTHING = 'nothing is captured or written';

export async function settleConsent({ store, flag, env, terminal, now = () => new Date() }: SettleConsentOptions): Promise<ConsentOutcome> {
  // Checked before a flag is recorded: under DO_NOT_TRACK even the answer is not written.
  if (doNotTrackIsSet(env)) return { kind: 'settled', granted: false, says: `analytics off: DO_NOT_TRACK is set; ${NOTHING}` };
  if (flag !== undefined) {
    const outcome = await store.answer(flag, now());
    return {
      kind: 'settled',
      granted: store.state() === 'granted',
      says: `analytics ${flag === 'yes' ? 'on' : 'off'}: answered ${flag} with --${flag} (${whereKept(store, outcome)})`,
    };
  }
  const damaged = store.problem === undefined ? '' : ` (the stored answer was not understood: ${store.problem})`;
  if (!store.shouldAsk()) {
    const record = store.record!;
    return {
      kind: 'settled',
      granted: store.state() === 'granted',
      says: `analytics ${store.state() === 'granted' ? 'on' : 'off'}: answered ${record.answer} on ${record.askedAt} (${store.path})`,
    };
  }
  if (terminal.input.isTTY !== true) {
    return { kind: 'settled', granted: false, says: `analytics off: not answered${damaged}, and there is no terminal to ask on (pass --yes or --no); ${NOTHING}` };
  }
  const reply = await ask(terminal);
  if (reply === 'interrupted') return { kind: 'interrupted' };
  if (reply === undefined) return { kind: 'settled', granted: false, says: `analytics off: not answered; ${NOTHING}` };
  const outcome = await store.answer(reply, now());
  return { kind: 'settled', granted: store.state() === 'granted', says: `analytics ${reply === 'yes' ? 'on' : 'off'}: you answered ${reply} (${whereKept(store, outcome)})` };
}

/** The answer holds for this run either way; a failed save only means it is asked again next time. */
function whereKept(store: ConsentStore, outcome: ConsentAnswerOutcome): string {
  return outcome.saved ? `saved in ${store.path}` : `not saved: ${outcome.saveProblem}; asked again next time`;
}

const YES = new Set(['y', 'yes']);
const NO = new Set(['n', 'no']);
const ATTEMPTS = 3;

/** Asks up to three times; undefined when the input ends or no reply is understood. */
function ask(terminal: ConsentTerminal): Promise<ConsentAnswer | undefined | 'interrupted'> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: terminal.input, output: terminal.output, terminal: true });
    let attempts = 0;
    let outcome: ConsentAnswer | undefined | 'interrupted';
    const prompt = (): void => {
      attempts += 1;
      lines.setPrompt(attempts === 1 ? `${CONSENT_PROMPT} (yes/no) ` : 'Please answer yes or no: ');
      lines.prompt();
    };
    lines.on('line', (line) => {
      const reply = line.trim().toLowerCase();
      if (YES.has(reply)) outcome = 'yes';
      else if (NO.has(reply)) outcome = 'no';
      if (outcome !== undefined || attempts >= ATTEMPTS) lines.close();
      else prompt();
    });
    // In raw mode the terminal's Ctrl-C reaches readline, not the process.
    lines.on('SIGINT', () => {
      outcome = 'interrupted';
      lines.close();
    });
    lines.on('close', () => resolve(outcome));
    prompt();
  });
}
