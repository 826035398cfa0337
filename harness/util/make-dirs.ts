/** mkdir -p without Node's recursive mkdir, which spins forever on some paths under /proc. */
import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";

/**
 * Create a folder and its missing parents one level at a time: under /proc (e.g. /proc/x/logs) a
 * plain mkdir fails at once with ENOENT, where mkdirSync(recursive) never returns.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  let d = resolve(dir);
  while (!existsSync(d)) {
    missing.push(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const m of missing.reverse()) mkdirSync(m);
}
