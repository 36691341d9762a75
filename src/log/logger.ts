/**
 * A small leveled logger for stderr. Text for people, JSON lines for log shippers. The JSON lines
 * have the shape of Go tbot's (Teleport's slog JSON handler), since tbot-analytics is a drop-in and
 * log pipelines parse those: `timestamp` (RFC 3339, whole seconds), `level` (`warning`, not
 * `warn`), `message`, `component`, then the line's own fields. Go's `caller` names a Go source
 * file and line; there is no such thing here, so it is left out rather than made up.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  write: (line: string) => void;
  now: () => Date;
  /** The `component` of JSON lines, as Go's loggers name theirs (tbot's is "tbot"). */
  component?: string;
}

/** Go's names for the levels in JSON lines. */
const JSON_LEVEL: Record<LogLevel, string> = { debug: 'debug', info: 'info', warn: 'warning', error: 'error' };

/** The fields every JSON line starts with; a line's own field of the same name is renamed `fields.<name>` rather than lost. */
const BUILT_IN = new Set(['timestamp', 'level', 'caller', 'message', 'component']);

/** RFC 3339 in UTC to the second, as Go's time.RFC3339 prints a UTC time. */
const rfc3339Seconds = (date: Date): string => `${date.toISOString().slice(0, 19)}Z`;

function textValue(value: string | number | boolean): string {
  const text = String(value);
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}

export function createLogger(options: LoggerOptions): Logger {
  const emit = (level: LogLevel, message: string, fields: LogFields = {}): void => {
    if (RANK[level] < RANK[options.level]) return;
    const now = options.now();
    const defined = Object.entries(fields).filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined);
    if (options.format === 'json') {
      const line: Record<string, string | number | boolean> = { timestamp: rfc3339Seconds(now), level: JSON_LEVEL[level], message };
      if (options.component !== undefined) line['component'] = options.component;
      for (const [key, value] of defined) line[BUILT_IN.has(key) ? `fields.${key}` : key] = value;
      options.write(`${JSON.stringify(line)}\n`);
    } else {
      const time = now.toISOString();
      const suffix = defined.map(([key, value]) => ` ${key}=${textValue(value)}`).join('');
      options.write(`${time} ${level.toUpperCase().padEnd(5)} ${message}${suffix}\n`);
    }
  };
  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
  };
}
