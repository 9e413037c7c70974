/** Markdown pieces of the report: tables padded to their widest cell, sections with their notes. */

export type Align = "left" | "right";

/** A figure not measured. */
export const NONE = "–";

/** A markdown table with every column padded to its widest cell. */
export function markdownTable(head: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[]): string {
  const widths = head.map((title, column) =>
    Math.max(3, title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const cell = (text: string, column: number) => {
    const width = widths[column] ?? 0;
    return align[column] === "right" ? text.padStart(width) : text.padEnd(width);
  };
  const line = (cells: readonly string[]) => `| ${head.map((_, column) => cell(cells[column] ?? "", column)).join(" | ")} |`;
  const rule = `| ${widths.map((width, column) => (align[column] === "right" ? `${"-".repeat(width - 1)}:` : "-".repeat(width))).join(" | ")} |`;
  return [line(head), rule, ...rows.map(line)].join("\n");
}

/** A section of the report: its heading, its notes as one sentence, then its table. */
export function tableSection(title: string, notes: (string | null)[], table: string): string {
  const sentence = capitalise(notes.filter((note) => note !== null).join("; "));
  return [`### ${title}`, "", `${sentence}.`, "", table].join("\n");
}

export const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
