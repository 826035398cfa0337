import { readFileSync } from "node:fs";
import { UsageError } from "./errors.js";

/** Read a file the user named; an unreadable one is bad input (exit 2) naming the file. */
export function readInputFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`${file}: cannot read: ${(err as Error).message}`);
  }
}
