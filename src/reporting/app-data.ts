/** Where an app keeps its consent answer, distinct id and keys when the user names no directory. */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Env } from './do-not-track.js';

/**
 * The platform's per-user data directory for `appName`: $XDG_DATA_HOME (or ~/.local/share) on
 * Linux and other Unixes, ~/Library/Application Support on macOS, %APPDATA% on Windows.
 */
export function defaultAppDataDir(appName: string, env: Env = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  if (platform === 'win32') return join(env['APPDATA'] ?? join(home, 'AppData', 'Roaming'), appName);
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', appName);
  const xdg = env['XDG_DATA_HOME'];
  // The XDG spec says a relative value is invalid and must be ignored.
  return join(xdg?.startsWith('/') ? xdg : join(home, '.local', 'share'), appName);
}
