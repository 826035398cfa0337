/** Markdown that survives hostile text: process names, commands and messages come from users. */

/** Text for a table cell: pipes, backticks, HTML and newlines cannot break the table. */
export function cell(text: string): string {
  return text
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/`/g, "\\`")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\r?\n|\r/g, " ")
    .replace(/\*/g, "\\*")
    .replace(/_/g, "\\_");
}

/** Inline code that holds any text: a fence longer than any run of backticks inside it. */
export function code(text: string): string {
  const oneLine = text.replace(/\r?\n|\r/g, " ");
  const longest = Math.max(0, ...[...oneLine.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = oneLine.startsWith("`") || oneLine.endsWith("`") ? " " : "";
  return `${fence}${pad}${oneLine}${pad}${fence}`;
}

/** Inline code for a table cell: as code(), with pipes escaped (GitHub splits cells before code spans). */
export function codeCell(text: string): string {
  return code(text).replace(/\|/g, "\\|");
}

/** A fenced block that no line of the content can close early. */
export function fenced(text: string, info = "text"): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${info}\n${text}\n${fence}`;
}

/** Quote an argv as a shell would need it, for a copy-pasteable command line. */
export function shellQuote(argv: string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}
