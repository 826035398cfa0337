import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";

/** The package root (the folder holding package.json), found from this compiled or source file. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "scenarios"))) return dir;
    dir = dirname(dir);
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
}

/** Compiled entry point of a reference program, e.g. referenceProgram("server") → dist/src/server/main.js */
export function referenceProgram(name: "server" | "worker" | "load"): string {
  return join(packageRoot(), "dist", "src", name, "main.js");
}
