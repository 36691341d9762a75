/**
 * `tbot-collector report usage`: the billing report, per tenant and month, from the usage reports
 * tenants' auth servers sent (family `usage`).
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from '../../../errors.js';
import { usageFold, type UsageOptions } from '../../report/usage/fold.js';
import { monthBefore, monthWindow as monthOf } from '../../report/usage/month.js';
import { withStrip } from '../../report/summary-strip.js';
import { formatUsageCsv, formatUsageHtml, formatUsageTable, summarizeUsage, usageHeadline, usageIsEmpty } from '../../report/usage/format.js';
import type { CollectorRuntime } from '../../runtime.js';
import { commonReportOptions, foldCompared, nothingIn, openStore, render, reportWindow, type CommonReportArgs } from './shared.js';

interface UsageArgs extends CommonReportArgs {
  tenant?: string;
  month?: string;
}

/** "2026-11" → that month in UTC, as --since and --until. */
export function monthWindow(month: string): { since: string; until: string } {
  const window = monthOf(month);
  if (window === undefined) throw new UsageError(`--month ${JSON.stringify(month)}: expected a month as YYYY-MM, such as 2026-11`);
  return window;
}

export function usageReportCommand(runtime: CollectorRuntime, setExitCode: (code: number) => void): CommandModule<object, UsageArgs> {
  return {
    command: 'usage',
    describe: 'Report billing usage per tenant and month: monthly active users, sessions, bot instances, resources',
    builder: (yargs: Argv) =>
      (commonReportOptions(yargs) as unknown as Argv<UsageArgs>)
        .option('tenant', { type: 'string', requiresArg: true, describe: 'Only this tenant' })
        .option('month', { type: 'string', requiresArg: true, describe: 'One calendar month (UTC), YYYY-MM; instead of --since/--until' }) as unknown as Argv<UsageArgs>,
    handler: async (args: ArgumentsCamelCase<UsageArgs>) => {
      // --since and --until have defaults, so only a value other than the default shows they were given.
      if (args.month !== undefined && (args.since !== '30d' || args.until !== 'now')) throw new UsageError('--month is a whole window: give either --month or --since/--until');
      if (args.tenant !== undefined && args.tenant === '') throw new UsageError('--tenant: expected a tenant name');
      const store = await openStore(args, runtime, args.month === undefined ? reportWindow(args, runtime.now()) : monthWindow(args.month));
      const options: UsageOptions = args.tenant === undefined ? {} : { tenant: args.tenant };
      // A calendar month is compared with the calendar month before it, whatever their lengths.
      const previous = args.month === undefined ? undefined : monthWindow(monthBefore(args.month));
      const { current, previous: earlier, previousWindow } = await foldCompared(usageFold, 'usage', store, options, runtime, previous === undefined ? {} : { previous });
      const summary = summarizeUsage(current);
      const shown = withStrip(summary, summarizeUsage(earlier), usageHeadline, previousWindow, previous === undefined ? undefined : 'previous month');
      const empty = usageIsEmpty(summary) ? { title: 'Usage for billing', message: nothingIn('usage reports', store) } : undefined;
      runtime.stdout(render(shown, args.format, { table: formatUsageTable, csv: formatUsageCsv, html: formatUsageHtml }, empty));
      setExitCode(0);
    },
  };
}
