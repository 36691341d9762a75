/**
 * `tbot install systemd -c CONFIG [--write] [--force] …`: the unit that runs `tbot start -c
 * CONFIG`, printed (a dry run, the default, as in Go tbot) or written atomically. The config is
 * loaded first, so a unit is never installed for a config that `start` would refuse and systemd
 * would restart every 5 s. An existing unit with other content is kept unless --force.
 */
import { join, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { writeFileAtomic } from '../../fs/atomic-write.js';
import { describeFsError } from '../../fs/describe-fs-error.js';
import { readRegularFile, RefusedFileError } from '../../fs/read-regular-file.js';
import type { CommandDef, Invocation } from '../command-types.js';
import { resolveOrReport } from '../config-input.js';
import type { Runtime } from '../runtime.js';
import { renderSystemdUnit, unitValueProblem } from '../systemd-unit.js';

/** systemd's unit name characters; no `/`, so the name cannot lead the file out of the directory. */
const UNIT_NAME = /^[A-Za-z0-9:_.@\\-]+$/;

function stringValue(invocation: Invocation, name: string, fallback: string): string {
  const value = invocation.values[name];
  return typeof value === 'string' ? value : fallback;
}

/** A unit file is a few hundred bytes; the bound only keeps a wrong path from being read whole. */
const MAX_UNIT_BYTES = 64 * 1024;

async function readExisting(path: string): Promise<string | undefined> {
  try {
    return await readRegularFile(path, MAX_UNIT_BYTES);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Whether this build's `tbot start` takes --pid-file. Go's unit passes it and points PIDFile= at it;
 * a unit that passed a flag `start` refuses would fail at every restart, so without it the unit
 * names no pid file (systemd tracks a Type=simple service by its main process anyway). The command
 * table gives `install systemd` its own --pid-file only beside start's, so the definition this
 * command runs with says it (reading the table from here would make the table and its commands
 * import each other).
 */
function startTakesPidFile(command: CommandDef): boolean {
  return command.flags.some((flag) => flag.name === 'pid-file');
}

export async function run(invocation: Invocation, runtime: Runtime, command: CommandDef): Promise<number> {
  const name = stringValue(invocation, 'name', 'tbot');
  const config = invocation.values['config'];
  const problems = [
    typeof config === 'string' ? undefined : '--config (-c) is required: the unit runs `tbot start -c CONFIG`',
    invocation.values['anonymous-telemetry'] === true
      ? '--anonymous-telemetry is refused: a unit does not opt in to analytics; set `anonymous_analytics: true` in the config (`tbot analytics enable -c CONFIG`)'
      : undefined,
    UNIT_NAME.test(name) ? undefined : `--name ${JSON.stringify(name)} is not a systemd unit name: use letters, digits and : _ . @ - only`,
    ...['user', 'group', 'pid-file', 'systemd-directory'].map((flag) => {
      const value = invocation.values[flag];
      const problem = typeof value === 'string' ? unitValueProblem(value) : undefined;
      return problem === undefined ? undefined : `--${flag} ${problem}`;
    }),
  ].filter((problem) => problem !== undefined);
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  // The config must load as `start` would load it (flags aside): a broken one is said now, not by a restart loop.
  const loaded = await resolveOrReport(command, invocation, runtime);
  if ('exitCode' in loaded) {
    runtime.stderr('tbot: no unit was written\n');
    return loaded.exitCode;
  }
  const directory = resolve(runtime.cwd, stringValue(invocation, 'systemd-directory', '/etc/systemd/system'));
  const path = join(directory, `${name}.service`);
  const unit = renderSystemdUnit({
    name,
    user: stringValue(invocation, 'user', 'teleport'),
    group: stringValue(invocation, 'group', 'teleport'),
    self: runtime.self,
    configPath: resolve(runtime.cwd, config as string),
    ...(startTakesPidFile(command) ? { pidFile: resolve(runtime.cwd, stringValue(invocation, 'pid-file', `/run/${name}.pid`)) } : {}),
  });
  if (invocation.values['write'] !== true) {
    runtime.stdout(`Dry run: nothing was written; add --write to write it.\nThis unit would be written to ${path}:\n\n${unit}`);
    return 0;
  }
  try {
    const existing = await readExisting(path);
    if (existing === unit) {
      runtime.stderr(`${path} already holds this unit; nothing to write\n`);
      return 0;
    }
    if (existing !== undefined && invocation.values['force'] !== true) {
      runtime.stderr(`tbot: ${path} already exists with different content; it was kept (use --force to overwrite it)\n`);
      return 1;
    }
    await writeFileAtomic(path, unit, 0o644);
  } catch (error) {
    runtime.stderr(`tbot: cannot write ${path}: ${error instanceof RefusedFileError ? `what is there is ${error.message}` : describeFsError(error)}\n`);
    return 1;
  }
  runtime.stderr(`wrote ${path}; reload systemd with \`systemctl daemon-reload\`, then start the service with \`systemctl enable --now ${name}\`\n`);
  return 0;
}
