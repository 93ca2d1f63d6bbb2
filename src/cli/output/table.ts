/** A plain-text table with padded columns, for terminals and CI logs. */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Model-written text for a terminal: control characters (ANSI escapes could recolour or rewrite the screen, a
 * carriage return overwrite the line), bidirectional overrides and line breaks become spaces; then clipped.
 */
export function terminalText(text: string, max: number): string {
  const plain = text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g, ' ');
  return clip(plain.replace(/\s+/g, ' ').trim(), max);
}
