/**
 * Build facts. build.mjs bakes them in with esbuild's `define`; under tsx (dev) they are read from
 * package.json instead.
 */
import { readFileSync } from 'node:fs';

interface BuildInfo {
  version: string;
  defaultAnalyticsEndpoint: string;
}

declare const __TBOT_BUILD__: BuildInfo | undefined;

/** The collector's default listen address: a distributor bakes in its own at build time. */
const DEV_DEFAULT_ENDPOINT = 'http://127.0.0.1:8787';

function devBuildInfo(): BuildInfo {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return { version: pkg.version, defaultAnalyticsEndpoint: DEV_DEFAULT_ENDPOINT };
}

export const BUILD: BuildInfo = typeof __TBOT_BUILD__ === 'undefined' ? devBuildInfo() : __TBOT_BUILD__;
