import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, basename } from "node:path";
import { RunError } from "./errors.js";

/**
 * Write then rename, so a reader never sees a half-written file: the file is whole or absent (a
 * failed write leaves no temporary file behind). A failure throws a RunError naming the file and
 * the reason, e.g. "cannot write runs/x/result.json: ENOSPC: no space left on device, write".
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the folder itself is gone or unreadable: nothing of ours is left in it
    }
    throw new RunError(`cannot write ${path}: ${(err as Error).message}${hint(err as NodeJS.ErrnoException)}`);
  }
}

function hint(err: NodeJS.ErrnoException): string {
  if (err.code === "ENOSPC" || err.code === "EDQUOT") return " (the filesystem is full: free space there or write elsewhere)";
  if (err.code === "EACCES" || err.code === "EPERM" || err.code === "EROFS") return " (not writable: write elsewhere)";
  return "";
}
