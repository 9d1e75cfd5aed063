/** Number formatting and the plain-text and markdown tables the bench prints. */

/** `value` with `digits` decimals, or `n/a`. */
export const fixed = (value: number | null, digits: number): string => (value === null ? 'n/a' : value.toFixed(digits));

/** A plain-text table: the first column left-aligned, the others right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('   ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('   '), ...rows.map(line)].join('\n');
}

/**
 * A markdown table, ready to paste into the README: the columns `numeric`
 * names right-aligned, the others left-aligned. Pipes in cells are escaped.
 */
export function markdownTable(header: string[], rows: string[][], numeric: readonly number[] = []): string {
  const line = (cells: string[]) => `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(header), `|${header.map((_, i) => (numeric.includes(i) ? ' ---: ' : ' --- ')).join('|')}|`, ...rows.map(line)].join('\n');
}

/** `{ a: 3, b: 1 }` as `a 3, b 1`, largest first; `none` when empty. */
export function counts(byKey: Readonly<Record<string, number>>): string {
  const entries = Object.entries(byKey).filter(([, n]) => n > 0);
  if (entries.length === 0) return 'none';
  return entries
    .sort(([, a], [, b]) => b - a)
    .map(([key, n]) => `${key} ${n}`)
    .join(', ');
}
