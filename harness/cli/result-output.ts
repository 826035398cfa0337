/**
 * Where a command's result goes, for every command that offers --json (run, attach, attach
 * --prometheus): with --json, stdout holds the JSON document and nothing else (one per line when
 * `run` does several runs), and what a person reads (summary, verdicts, file paths) goes to stderr,
 * or nowhere with -q. Without --json the human text is the output, on stdout (-q then only silences
 * the live progress, which is on stderr anyway).
 */

export interface TextStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface OutputStreams {
  stdout: TextStream;
  stderr: TextStream;
}

export interface OutputMode {
  json?: boolean;
  quiet?: boolean;
}

const processStreams = (): OutputStreams => ({ stdout: process.stdout, stderr: process.stderr });

/** The stream for text a person reads, or null when there is none (--json with -q). */
export function humanStream(mode: OutputMode, streams: OutputStreams = processStreams()): TextStream | null {
  if (!mode.json) return streams.stdout;
  return mode.quiet ? null : streams.stderr;
}

/**
 * One result: its JSON document on stdout with --json (one line), then the human text, made for the
 * stream it goes to (colour only on a terminal).
 */
export function printResult(mode: OutputMode, document: unknown, human: (stream: TextStream) => string, streams: OutputStreams = processStreams()): void {
  if (mode.json) streams.stdout.write(`${JSON.stringify(document)}\n`);
  const h = humanStream(mode, streams);
  if (h) h.write(human(h));
}
