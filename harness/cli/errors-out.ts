/** The one way an error reaches the terminal: `harness: <message>`, on one line. */
import { UsageError } from "../util/errors.js";

export const ERROR_PREFIX = "harness: ";

export function formatError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // a usage error is one line, whatever a file name or value in it holds (newlines, escape sequences)
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped here
  const text = err instanceof UsageError ? message.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1)) : message;
  return `${ERROR_PREFIX}${text}\n`;
}
