/** A GitHub-flavoured Markdown table; `|` and newlines inside cells are escaped. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The banner every generated doc starts with. */
export function generatedBanner(command: string): string {
  return `<!-- Generated from the code by \`${command}\`; edit the source, not this file. A test fails when they drift. -->`;
}
