/**
 * CSV as Excel and RFC 4180 want it: UTF-8 with a byte order mark, CRLF line ends, fields quoted when
 * they hold a comma, a quote or a line break (quotes doubled), and text cells that a spreadsheet
 * would run as a formula (starting with = + - @, tab, CR or NUL) prefixed with an apostrophe.
 */

export type CsvValue = string | number | null | undefined;

const FORMULA_START = /^[=+\-@\t\r\0]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let s = String(value);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: CsvValue[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

export const BOM = '\uFEFF';

/**
 * A byte stream of the CSV: the BOM and the header at once (the download starts before the first
 * query returns), then one chunk per batch, read only as fast as the client takes it.
 */
export function csvStream<R>(
  header: string[],
  row: (r: R) => CsvValue[],
  batches: AsyncGenerator<R[]>,
  onError: (e: unknown) => void,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(BOM + csvLine(header)));
        return;
      }
      try {
        const next = await batches.next();
        if (next.done) {
          controller.close();
          return;
        }
        let chunk = '';
        for (const r of next.value) chunk += csvLine(row(r));
        controller.enqueue(encoder.encode(chunk));
      } catch (e) {
        onError(e);
        controller.error(e);
      }
    },
    async cancel() {
      await batches.return(undefined);
    },
  }, { highWaterMark: 1 });
}
