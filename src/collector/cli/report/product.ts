/** `tbot-collector report product`: per tenant, the product-usage events its auth servers reported. */
import type { CommandModule } from 'yargs';
import { productFold } from '../../report/product/fold.js';
import { formatProductCsv, formatProductHtml, formatProductTable, productHeadline, productIsEmpty, summarizeProduct } from '../../report/product/format.js';
import type { CollectorRuntime } from '../../runtime.js';
import { summaryReportCommand, type CommonReportArgs } from './shared.js';

export function productReportCommand(runtime: CollectorRuntime, setExitCode: (code: number) => void): CommandModule<object, CommonReportArgs> {
  return summaryReportCommand(
    {
      command: 'product',
      describe: 'Report product usage per tenant: the events each tenant\'s auth servers sent (an undeclared one as "unknown event N")',
      family: 'teleport',
      fold: productFold,
      summarize: summarizeProduct,
      headline: productHeadline,
      isEmpty: productIsEmpty,
      noun: 'product events',
      title: 'Product usage',
      renderers: { table: formatProductTable, csv: formatProductCsv, html: formatProductHtml },
    },
    runtime,
    setExitCode,
  );
}
