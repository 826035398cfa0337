/**
 * `npm run bench [name...]`: speed, overhead and gate-quality targets live here, not in tests.
 * Each benchmark writes bench/results/<name>.json (figures) and bench/results/<name>.md (a table
 * with the command and the machine), so results are files people can read and diff.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { cpus, release } from "node:os";
import { writeFileAtomic } from "../harness/util/atomic-write.js";
import { packageRoot } from "../harness/util/paths.js";

import { benchmarks } from "./registry.js";

async function main(): Promise<number> {
  const wanted = process.argv.slice(2);
  const selected = wanted.length ? benchmarks.filter((b) => wanted.includes(b.name)) : benchmarks;
  if (wanted.length && selected.length !== wanted.length) {
    process.stderr.write(`bench: unknown benchmark(s): ${wanted.filter((w) => !benchmarks.some((b) => b.name === w)).join(", ")}; known: ${benchmarks.map((b) => b.name).join(", ")}\n`);
    return 2;
  }
  const dir = join(packageRoot(), "bench", "results");
  mkdirSync(dir, { recursive: true });
  let allMet = true;
  for (const b of selected) {
    process.stderr.write(`bench: ${b.name}: ${b.description}\n`);
    const started = new Date().toISOString();
    const out = await b.run();
    allMet &&= out.targetsMet;
    const machine = `${cpus().length} cores, ${cpus()[0]?.model.trim() ?? "?"}, Linux ${release()}, Node ${process.version}`;
    writeFileAtomic(join(dir, `${b.name}.json`), JSON.stringify({ name: b.name, started, machine, command: `npm run bench -- ${b.name}`, targetsMet: out.targetsMet, ...out.figures }, null, 2) + "\n");
    writeFileAtomic(join(dir, `${b.name}.md`), `# Benchmark: ${b.name}\n\n${b.description}\n\nCommand: \`npm run bench -- ${b.name}\` · ${started} · ${machine}\n\n${out.markdown}\n`);
    process.stderr.write(`bench: ${b.name}: targets ${out.targetsMet ? "met" : "NOT met"}; wrote bench/results/${b.name}.md\n`);
  }
  return allMet ? 0 : 1;
}

process.exitCode = await main();
