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

/** One CSV line straight from a row and its column getters (no array per row: exports make millions). */
function csvRow<R>(r: R, getters: ((r: R) => CsvValue)[]): string {
  let line = csvCell(getters[0](r));
  for (let i = 1; i < getters.length; i++) line += `,${csvCell(getters[i](r))}`;
  return `${line}\r\n`;
}

export const BOM = '\uFEFF';

const PIECE_CHARS = 32_768;

/**
 * A byte stream of the CSV: the BOM and the header at once (the download starts before the first
 * query returns), then the rows of one batch at a time, read only as fast as the client takes them:
 * the next batch is fetched when the last one has been handed on, so memory stays flat.
 */
export function csvStream<R>(
  header: string[],
  getters: ((r: R) => CsvValue)[],
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
        // Pieces of ~32k characters: small strings die young (a scavenge frees them), where one
        // string per batch would land in V8's large-object space and pile up until a full GC.
        let piece = '';
        for (const r of next.value) {
          piece += csvRow(r, getters);
          if (piece.length >= PIECE_CHARS) {
            controller.enqueue(encoder.encode(piece));
            piece = '';
          }
        }
        if (piece) controller.enqueue(encoder.encode(piece));
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
