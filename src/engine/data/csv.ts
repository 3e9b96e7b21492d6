// Line-by-line CSV reading with errors that name file, line and column, for datasets too big to load whole
// (the Lichess puzzle files are ~50k rows). RFC 4180 quoting within a line ("a,b" and "" escapes) is handled;
// quoted newlines are not (Lichess CSVs have none) and are reported as an error.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseCsvLine } from '../../shared/csvLine';

export { parseCsvLine };

/** A problem in a data file. message reads "file:line: column X: what is wrong". */
/** Control characters (terminal escapes included) replaced, so a CSV field cannot drive the terminal it is printed to. */
export function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\ufffd');
}

export class DataFormatError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: string | undefined,
    readonly detail: string,
  ) {
    super(`${file}:${line}: ${column ? `column ${printable(column)}: ` : ''}${printable(detail)}`);
    this.name = 'DataFormatError';
  }
}

export interface CsvRecord {
  /** 1-based line number in the file. */
  line: number;
  /** Field by column name ('' when the row is shorter than the header and the column is optional). */
  fields: Record<string, string>;
}

export interface ReadCsvOptions {
  /** Columns the header must have and every row must fill (may be empty strings; presence is checked). */
  required?: readonly string[];
}

/**
 * Streams the records of a CSV file with a header line. Blank lines are skipped, a UTF-8 BOM is dropped.
 * Throws DataFormatError for a missing file, a header without a required column, a row without a required
 * field, or a row with more fields than the header.
 */
export async function* readCsv(file: string, opts: ReadCsvOptions = {}): AsyncGenerator<CsvRecord> {
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new Error('not a file');
  } catch (e) {
    throw new DataFormatError(file, 0, undefined, `cannot read the file: ${(e as Error).message}`);
  }
  const required = opts.required ?? [];
  const input = createReadStream(file, { encoding: 'utf8' });
  const rl = createInterface({ input, crlfDelay: Infinity });
  let header: string[] | undefined;
  let lineNo = 0;
  try {
    for await (const raw of rl) {
      lineNo++;
      const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (line.trim() === '') continue;
      let values: string[];
      try {
        values = parseCsvLine(line);
      } catch (e) {
        throw new DataFormatError(file, lineNo, undefined, `malformed CSV: ${(e as Error).message}`);
      }
      if (!header) {
        header = values.map((h) => h.trim());
        const missing = required.filter((c) => !header!.includes(c));
        if (missing.length > 0) {
          throw new DataFormatError(
            file,
            lineNo,
            missing[0],
            `header lacks required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (header: ${header.join(',')})`,
          );
        }
        continue;
      }
      if (values.length > header.length) {
        throw new DataFormatError(file, lineNo, undefined, `row has ${values.length} fields but the header has ${header.length}`);
      }
      const fields: Record<string, string> = {};
      header.forEach((name, k) => (fields[name] = values[k] ?? ''));
      for (const name of required) {
        if (header.indexOf(name) >= values.length) {
          throw new DataFormatError(file, lineNo, name, `missing (row has only ${values.length} of ${header.length} fields)`);
        }
      }
      yield { line: lineNo, fields };
    }
  } finally {
    // Also on early exit (a consumer's `break`, a limit): release the file descriptor now, not at GC.
    rl.close();
    input.destroy();
  }
  if (!header) throw new DataFormatError(file, 1, undefined, 'empty file: expected a header line');
}
