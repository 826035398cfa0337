/** The supported Node lines, and the SQLite addon preflight's message for an addon built for another Node. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isTestedNodeLine, nodeLineText, TESTED_NODE_LINES } from "../../harness/analyze/node-lines.js";
import { describeMachine } from "../../harness/analyze/machine.js";
import { abiMismatchMessage, sqliteAddonProblem } from "../../harness/scenario/native-addon.js";

const root = join(import.meta.dirname, "..", "..");

describe("Node lines", () => {
  it("20, 22 and 24 are the tested lines, in step with package.json's engines", () => {
    expect(TESTED_NODE_LINES).toEqual([20, 22, 24]);
    expect(isTestedNodeLine("v24.22.3")).toBe(true);
    expect(isTestedNodeLine("v23.1.0")).toBe(false);
    const engines = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;
    for (const line of TESTED_NODE_LINES) expect(engines).toContain(`^${line}.`);
  });

  it("the machine line says whether this Node is a tested line", () => {
    const m = describeMachine();
    expect(m.nodeTested).toBe(isTestedNodeLine(process.version));
    expect(nodeLineText("v24.1.0", true)).toBe("Node v24.1.0 (a tested line)");
    expect(nodeLineText("v23.0.0", false, [20, 22, 24])).toBe("Node v23.0.0 (not a tested line: 20, 22, 24 are)");
    expect(nodeLineText("v20.1.0", undefined)).toBe("Node v20.1.0");
  });

  it("names both ABIs and the command to run when the SQLite addon was built for another Node", () => {
    const err = `The module '/x/node_modules/better-sqlite3/build/Release/better_sqlite3.node'
was compiled against a different Node.js version using
NODE_MODULE_VERSION 115. This version of Node.js requires
NODE_MODULE_VERSION 137. Please try re-compiling or re-installing`;
    expect(abiMismatchMessage(err, "v24.22.3")).toBe(
      "better-sqlite3 was built for Node ABI 115 (Node 20), this is Node v24.22.3 (ABI 137): run `npm rebuild better-sqlite3` with this Node on PATH (the reference server stores its jobs with it)",
    );
    expect(abiMismatchMessage("Cannot find module 'better-sqlite3'")).toBeNull();
  });

  it("the addon installed here loads under this Node", () => {
    expect(sqliteAddonProblem(root)).toBeNull();
  });

  it("an addon that fails to load with another ABI gives the one line (a stand-in package that throws Node's loader error)", () => {
    const dir = mkdtempSync(join(tmpdir(), "harness-addon-"));
    try {
      writeFileSync(join(dir, "package.json"), "{}");
      mkdirSync(join(dir, "node_modules", "better-sqlite3"), { recursive: true });
      writeFileSync(
        join(dir, "node_modules", "better-sqlite3", "index.js"),
        "module.exports = function Database() { throw new Error(`The module 'x.node'\\nwas compiled against a different Node.js version using\\nNODE_MODULE_VERSION 127. This version of Node.js requires\\nNODE_MODULE_VERSION ${process.versions.modules}. Please try re-compiling`); };\n",
      );
      expect(sqliteAddonProblem(dir)).toBe(
        `better-sqlite3 was built for Node ABI 127 (Node 22), this is Node ${process.version} (ABI ${process.versions.modules}): run \`npm rebuild better-sqlite3\` with this Node on PATH (the reference server stores its jobs with it)`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
