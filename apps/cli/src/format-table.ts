/** A cell as shown in a table: dates as ISO-8601, missing values as `-`. */
export type Cell = string | number | Date | undefined | null;

function show(cell: Cell): string {
  if (cell === undefined || cell === null || cell === '') return '-';
  if (cell instanceof Date) return cell.toISOString();
  return String(cell).replace(/\s+/g, ' ');
}

/**
 * Rows as a plain-text table with a header, columns padded to their widest cell. The last
 * column is not padded, so long reasons do not leave trailing spaces.
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
): string {
  const cells = [headers.map((h) => h), ...rows.map((row) => headers.map((_, i) => show(row[i])))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
  return cells
    .map((row) =>
      row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '),
    )
    .join('\n');
}

/** `key  value` lines for one record, keys padded to the widest. */
export function formatRecord(entries: readonly (readonly [string, Cell])[]): string {
  const width = Math.max(...entries.map(([key]) => key.length));
  return entries.map(([key, value]) => `${key.padEnd(width)}  ${show(value)}`).join('\n');
}
