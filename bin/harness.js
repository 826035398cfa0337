#!/usr/bin/env node
// Thin launcher: the harness is compiled to dist/ by `npm run build` (run by `npm ci` through `prepare`).
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const entry = join(root, "dist", "harness", "cli", "main.js");
if (!existsSync(entry)) {
  console.error(`harness: ${entry} is missing; run \`npm run build\` (npm ci runs it for you).`);
  process.exit(2);
}
await import(pathToFileURL(entry).href);
