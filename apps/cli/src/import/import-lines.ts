import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import {
  csvHeaderProblem,
  importRowFromCsv,
  importRowFromJsonLine,
  type ImportRow,
} from '@groupidentify/ops';
import { CliError } from '../cli-error.js';

export type ImportFormat = 'ndjson' | 'csv';

/** One line (for CSV: one record, numbered by the line it starts on) of an import file. */
export interface ImportLine {
  line: number;
  /** As it was in the file, for the report of bad lines. */
  text: string;
  row: ImportRow;
}

/**
 * The lines of `path`, in order, each read into an identification or why it cannot be. Blank
 * lines are skipped. A CSV whose header is unusable, or whose quoting is broken, ends the reading
 * with a CliError naming the line: past broken quoting, where the next record starts is a guess.
 */
export function importLines(path: string, format: ImportFormat): AsyncIterable<ImportLine> {
  return format === 'csv' ? csvLines(path) : jsonLines(path);
}

async function* jsonLines(path: string): AsyncIterable<ImportLine> {
  let line = 0;
  const input = createReadStream(path, { encoding: 'utf8' });
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    if (text.trim() !== '') yield { line, text, row: importRowFromJsonLine(text) };
  }
}

interface CsvRecord {
  record: string[];
  info: { lines: number };
  raw: string;
}

async function* csvLines(path: string): AsyncIterable<ImportLine> {
  const parser = createReadStream(path).pipe(
    parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true, raw: true }),
  );
  let header: string[] | undefined;
  try {
    for await (const { record, info, raw } of parser as AsyncIterable<CsvRecord>) {
      const text = raw.replace(/\r?\n$/, '');
      // info.lines is the line the record ends on.
      const line = info.lines - (text.match(/\n/g)?.length ?? 0);
      if (header === undefined) {
        const problem = csvHeaderProblem(record);
        if (problem !== undefined) throw new CliError(`line ${line}: ${problem}`);
        header = record;
        continue;
      }
      yield { line, text, row: importRowFromCsv(header, record) };
    }
  } catch (error) {
    const csv = error as { code?: unknown; lines?: unknown; message?: unknown };
    if (typeof csv.code === 'string' && csv.code.startsWith('CSV_')) {
      const at = typeof csv.lines === 'number' ? csv.lines : '?';
      throw new CliError(`line ${at}: ${String(csv.message)}; nothing after it can be read`);
    }
    throw error;
  }
  if (header === undefined) throw new CliError('line 1: no header (the file is empty)');
}
