/**
 * Headless Chromium for tests that look at a page. Where the browser is comes from the one place
 * `npm test`'s pretest step provisions it from (scripts/provision-test-tools.mjs). The browser is
 * driven through the DevTools protocol over a pipe (no port is opened), so one launch can load a
 * page at several widths, screenshot it, and measure what pixels cannot show.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { findTool, testTool } from '../../scripts/provision-test-tools.mjs';

export function chromiumPath(): string {
  const path = findTool(testTool('chromium'));
  // npm test's pretest installs it or stops first; this only fires when a test file is run alone.
  if (path === undefined) throw new Error('no Chromium or Chrome found: run `node scripts/provision-test-tools.mjs` (npm test does) or set CHROME_PATH');
  return path;
}

export interface LoadedPage {
  /** Evaluates in the page; its CSP (no scripts) does not apply to DevTools. */
  evaluate(expression: string): Promise<unknown>;
  /** The whole page, top to bottom, at the width it was loaded at, as a PNG. */
  screenshot(): Promise<Buffer>;
}

export interface Browser {
  load(page: string, width: number): Promise<LoadedPage>;
}

/** How long one wait on Chromium may take (an answer, a page's load) on a heavily loaded machine. */
const WAIT_MS = 60_000;

type Message = { id?: number; result?: Record<string, unknown>; error?: { message: string }; method?: string; sessionId?: string };

export interface LaunchedBrowser extends Browser {
  /** Stops Chromium and waits for it, so its profile directory is no longer written. */
  close(): Promise<void>;
}

/**
 * Starts one Chromium for as many pages as a test file loads: a launch costs far more than a page
 * (a file's tests share it from `before` to `after`). withBrowser is the same for one callback.
 */
export function launchBrowser(profileDir: string): LaunchedBrowser {
  const child = spawn(
    chromiumPath(),
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${join(profileDir, 'chromium-profile')}`,
      '--hide-scrollbars',
      '--remote-debugging-pipe',
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
  );
  const toBrowser = child.stdio[3] as Writable;
  // Every wait on Chromium (an answer, a page's load) is bounded: past it Chromium is killed, which
  // fails whatever waits with "chromium exited". A bound per wait, not on the browser's life, since
  // a file's tests may share one browser for as long as they take.
  const waits = new Set<{ settle: (message?: Message) => boolean; fail: (error: Error) => void; timer: NodeJS.Timeout }>();
  let exited = false;
  child.on('exit', () => {
    exited = true;
    for (const wait of waits) wait.fail(new Error('chromium exited'));
  });
  /** Resolves with the first message `take` accepts, or rejects when Chromium exits first. */
  const waitFor = (what: string, take: (message: Message) => boolean): Promise<Message> =>
    new Promise((resolve, reject) => {
      if (exited) return reject(new Error(`chromium exited before ${what}`));
      const wait = {
        settle: (message?: Message) => {
          if (message === undefined || !take(message)) return false;
          done();
          resolve(message);
          return true;
        },
        fail: (error: Error) => {
          done();
          reject(new Error(`${error.message} before ${what}`));
        },
        timer: setTimeout(() => child.kill('SIGKILL'), WAIT_MS),
      };
      const done = (): void => {
        clearTimeout(wait.timer);
        waits.delete(wait);
      };
      waits.add(wait);
    });
  let buffered = '';
  (child.stdio[4] as Readable).setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    for (let end = buffered.indexOf('\0'); end >= 0; end = buffered.indexOf('\0')) {
      const message = JSON.parse(buffered.slice(0, end)) as Message;
      buffered = buffered.slice(end + 1);
      for (const wait of waits) if (wait.settle(message)) break;
    }
  });
  let nextId = 0;
  const send = async (method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> => {
    nextId += 1;
    const id = nextId;
    const answer = waitFor(`the answer to ${method}`, (message) => message.id === id);
    toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId === undefined ? {} : { sessionId }) })}\0`);
    const message = await answer;
    if (message.error !== undefined) throw new Error(`${method}: ${message.error.message}`);
    return message.result ?? {};
  };
  const browser: Browser = {
    async load(page, width) {
      const { targetId } = (await send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
      const { sessionId } = (await send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
      await send('Emulation.setDeviceMetricsOverride', { width, height: 900, deviceScaleFactor: 1, mobile: false }, sessionId);
      await send('Page.enable', {}, sessionId);
      // Listened for before the navigation starts, so a load that fires before its answer is not missed.
      await Promise.all([
        waitFor(`${page} loaded`, (message) => message.method === 'Page.loadEventFired' && message.sessionId === sessionId),
        send('Page.navigate', { url: `file://${page}` }, sessionId),
      ]);
      const evaluate = async (expression: string): Promise<unknown> =>
        ((await send('Runtime.evaluate', { expression, returnByValue: true }, sessionId)) as { result: { value: unknown } }).result.value;
      return {
        evaluate,
        screenshot: async () => {
          const height = (await evaluate('document.documentElement.scrollHeight')) as number;
          const { data } = (await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true, clip: { x: 0, y: 0, width, height, scale: 1 } }, sessionId)) as {
            data: string;
          };
          return Buffer.from(data, 'base64');
        },
      };
    },
  };
  return {
    ...browser,
    close: async () => {
      // Waited for, so its profile directory is no longer being written when the test removes it.
      if (!exited) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill();
        await gone;
      }
    },
  };
}

export async function withBrowser<T>(profileDir: string, use: (browser: Browser) => Promise<T>): Promise<T> {
  const browser = launchBrowser(profileDir);
  try {
    return await use(browser);
  } finally {
    await browser.close();
  }
}

/**
 * Evaluated in a loaded page: what a narrow screen would lose. `wide` lists elements reaching past
 * the viewport's right edge (outside the boxes that scroll on purpose, `.scroll`), `cut` lists
 * elements whose text holding a digit overflows a box that hides it, and `pageOverflow` is how far
 * the page scrolls sideways. Each element is described as tag#id.class "text".
 */
export const OVERFLOW_CHECK = `(() => {
  const width = document.documentElement.clientWidth;
  const describe = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (typeof e.className === 'string' && e.className ? '.' + e.className.split(' ').join('.') : '') + ' "' + (e.textContent || '').trim().slice(0, 40) + '"';
  const all = [...document.body.querySelectorAll('*')].filter((e) => e.closest('.scroll') === null);
  return {
    pageOverflow: Math.max(0, document.documentElement.scrollWidth - width),
    wide: all.filter((e) => e.getBoundingClientRect().right > width + 0.5).map(describe),
    cut: all
      .filter((e) => e instanceof HTMLElement && /\\d/.test(e.textContent || '') && e.scrollWidth > e.clientWidth + 0.5 && getComputedStyle(e).overflowX !== 'visible')
      .map(describe),
  };
})()`;

export interface Overflow {
  pageOverflow: number;
  wide: string[];
  cut: string[];
}
