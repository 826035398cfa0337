/**
 * `harness attach` runs for as long as the user measures, so its start-up CPU counts against it
 * (bench/harness-cost.ts): the modules loaded before a command runs must stay few and light. This
 * follows the static imports of the CLI's entry and of attach, as Node loads them.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..", "..");

function staticGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const walk = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const src = readFileSync(file, "utf8");
    // static imports and re-exports only: `import type` is erased, `await import()` is lazy
    for (const m of src.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+"([^"]+)";/gms)) {
      const spec = m[1] as string;
      if (spec.startsWith(".")) walk(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
      else if (!spec.startsWith("node:")) packages.add(spec);
    }
  };
  walk(join(root, entry));
  return { files, packages };
}

describe("CLI start-up imports", () => {
  it("the entry loads only commander and small modules before a command is chosen", () => {
    const g = staticGraph("harness/cli/main.ts");
    expect([...g.packages]).toEqual(["commander"]);
    expect(g.files.size).toBeLessThan(30);
  });

  it("attach loads neither the scenario schema, YAML, comparisons nor the gate", () => {
    const g = staticGraph("harness/attach/attach-command.ts");
    for (const p of ["zod", "yaml", "commander"]) expect(g.packages).not.toContain(p);
    const rel = [...g.files].map((f) => f.slice(root.length + 1));
    for (const f of rel) expect(f).not.toMatch(/^harness\/(compare|gate|profile)\/|^harness\/scenario\/(load|schema)\.ts$/);
  });
});
