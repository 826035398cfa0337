/** The committed reports can be forwarded: no absolute path of a machine, no link to a file not beside them. */
import { describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { homedir } from "node:os";

const REPORTS = join(import.meta.dirname, "..", "..", "reports");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe("committed reports", () => {
  const all = files(REPORTS).filter((f) => /\.(md|json|svg|log|txt)$/.test(f));
  it("hold no absolute path of a machine (grep -r reports/)", () => {
    const machine = new RegExp(`(/work/|/tmp/|/root/|/home/|${homedir().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/)`);
    const hits = all.flatMap((f) => readFileSync(f, "utf8").split("\n").filter((l) => machine.test(l)).map((l) => `${f.slice(REPORTS.length + 1)}: ${l.slice(0, 160)}`));
    expect(hits).toEqual([]);
  });
  it("link only files that are beside them", () => {
    const broken: string[] = [];
    for (const f of all.filter((x) => x.endsWith(".md"))) {
      for (const m of readFileSync(f, "utf8").matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1] as string;
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("#")) continue;
        if (!existsSync(resolve(dirname(f), decodeURI(target.split("#")[0] as string)))) broken.push(`${f.slice(REPORTS.length + 1)} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
