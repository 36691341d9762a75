/** `tbot-collector report <family>`: one subcommand per event family; `tbot` is the default. */
import type { Argv, CommandModule } from 'yargs';
import type { CollectorRuntime } from '../../runtime.js';
import { connectReportCommand } from './connect.js';
import { discoverReportCommand } from './discover.js';
import { productReportCommand } from './product.js';
import { tbotReportCommand } from './tbot.js';
import { usageReportCommand } from './usage.js';

export function reportCommand(runtime: CollectorRuntime, setExitCode: (code: number) => void): CommandModule<object, object> {
  return {
    command: 'report',
    describe: 'Answer the usage questions from the stored events: report tbot (the default), connect, discover or product',
    builder: (yargs: Argv) =>
      yargs
        .command(tbotReportCommand(runtime, setExitCode) as CommandModule)
        .command(connectReportCommand(runtime, setExitCode) as CommandModule)
        .command(discoverReportCommand(runtime, setExitCode) as CommandModule)
        .command(productReportCommand(runtime, setExitCode) as CommandModule)
        .command(usageReportCommand(runtime, setExitCode) as CommandModule),
    handler: () => undefined,
  };
}
