function csvCell(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/**
 * Rows copied from a spreadsheet arrive tab-separated; the agent reads CSV. Text whose first
 * line has tabs and no commas is converted, anything else is passed through as CSV.
 */
export function pastedRowsToCsv(text: string): string {
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  if (!firstLine.includes('\t') || firstLine.includes(',')) return text;
  return text
    .split(/\r?\n/)
    .map((line) => (line === '' ? '' : line.split('\t').map(csvCell).join(',')))
    .join('\n');
}
