/** The --data-dir option that serve and report share: an empty path would quietly mean the working directory. */
import type { Options } from 'yargs';
import { UsageError } from '../../errors.js';

export const DEFAULT_DATA_DIR = './collector-data';

export function dataDirOption(describe: string): Options {
  return {
    type: 'string',
    requiresArg: true,
    default: DEFAULT_DATA_DIR,
    describe,
    coerce: (text: string) => {
      if (text.trim() === '') throw new UsageError(`--data-dir ${JSON.stringify(text)}: expected a directory path, e.g. ${DEFAULT_DATA_DIR}`);
      return text;
    },
  };
}
