/**
 * Hostile input, table-driven: malformed and truncated files, wrong types, huge and negative numbers,
 * unknown strategies, programs that do not exist, names made of markdown and HTML, paths that try to
 * leave the output folder. Each one is refused with exit 2 and one clear line (no stack trace, nothing
 * started, nothing written), or the run goes ahead and the report shows the hostile text escaped.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { leftoverProcesses } from "../global-setup.js";
import { runHarness, tempDir } from "../helpers/cli.js";

const dir = tempDir("hostile-");
const env = { HARNESS_STATE_DIR: join(dir, "state") };

/** A valid, cheap scenario (no reference programs) to which one hostile change is made. */
const BASE = {
  name: "hostile",
  server: { name: "srv", command: ["sleep", "60"], ready: { delayMs: 50 } },
  workers: [{ name: "w", command: ["sleep", "60"] }],
};
const json = (patch: Record<string, unknown>): string => JSON.stringify({ ...BASE, ...patch });

interface Case {
  name: string;
  /** file content (written as <name>.<ext>), or none when the args say it all */
  file?: { ext: "json" | "yaml"; text: string | Buffer };
  /** arguments after `harness`; FILE is replaced by the file's path */
  args?: string[];
  /** what the one line must say */
  message: RegExp;
  /** the case is about the window: no --duration/--warmup on the command line (they would override it) */
  windowCase?: true;
}

const cases: Case[] = [
  { name: "empty file", file: { ext: "yaml", text: "" }, message: /expected an object at the top level/ },
  { name: "truncated JSON", file: { ext: "json", text: json({}).slice(0, 40) }, message: /not valid JSON/ },
  { name: "malformed YAML", file: { ext: "yaml", text: "name: x\nserver: { command: [sleep\nworkers: - a: b: c\n" }, message: /not valid YAML/ },
  { name: "binary garbage", file: { ext: "json", text: Buffer.from([0x00, 0xff, 0xfe, 0x7b, 0x22, 0x01, 0x80, 0x9c]) }, message: /not valid JSON/ },
  { name: "YAML alias bomb", file: { ext: "yaml", text: "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n" }, message: /not valid YAML/ },
  { name: "top-level array", file: { ext: "json", text: "[1, 2, 3]" }, message: /expected an object at the top level/ },
  { name: "name of the wrong type", file: { ext: "json", text: json({ name: 123 }) }, message: /field "name"/ },
  { name: "workers of the wrong type", file: { ext: "json", text: json({ workers: "many" }) }, message: /field "workers"/ },
  { name: "duration as a string", file: { ext: "json", text: json({ window: { durationS: "ten" } }) }, windowCase: true, message: /field "window\.durationS"/ },
  { name: "huge duration", file: { ext: "json", text: json({ window: { durationS: 1e300 } }) }, windowCase: true, message: /field "window\.durationS"/ },
  { name: "infinite duration (YAML .inf)", file: { ext: "yaml", text: "name: x\nwindow: { durationS: .inf }\nserver: { command: [sleep, '60'] }\nworkers: [{ command: [sleep, '60'] }]\n" }, windowCase: true, message: /field "window\.durationS"/ },
  { name: "huge worker count", file: { ext: "json", text: json({ workers: [{ name: "w", count: 1e9, command: ["sleep", "60"] }] }) }, message: /field "workers\[0\]/ },
  { name: "fractional worker count", file: { ext: "json", text: json({ workers: [{ name: "w", count: 2.5, command: ["sleep", "60"] }] }) }, message: /field "workers\[0\]/ },
  { name: "negative duration in the file", file: { ext: "json", text: json({ window: { durationS: -5 } }) }, windowCase: true, message: /field "window\.durationS"/ },
  { name: "negative warm-up on the command line", args: ["run", "tight-loop", "--warmup", "-1"], message: /warmup/ },
  { name: "duration that is not a number", args: ["run", "tight-loop", "--duration", "1e3x"], message: /duration/ },
  { name: "sample period of zero", args: ["run", "tight-loop", "--sample", "0"], message: /sample/ },
  { name: "unknown strategy", args: ["run", "tight-loop", "--set", "taskStrategy=whenever"], message: /whenever/ },
  { name: "fixed backoff with a negative interval", args: ["run", "tight-loop", "--set", "taskStrategy=fixed:-5"], message: /fixed:-5|fixed/ },
  { name: "unknown notify mode", args: ["run", "tight-loop", "--set", "server.reference.notify=loud"], message: /server/ },
  { name: "unknown top-level field", file: { ext: "json", text: json({ colour: "red" }) }, message: /unknown field "colour"/ },
  { name: "program that does not exist (path)", file: { ext: "json", text: json({ workers: [{ name: "w", command: ["/no/such/program"] }] }) }, message: /field "workers\[0\]\.command\[0\]": program "\/no\/such\/program" is not an executable file/ },
  { name: "program that does not exist (PATH)", file: { ext: "json", text: json({ server: { name: "srv", command: ["no-such-program-xyz"], ready: { delayMs: 1 } } }) }, message: /field "server\.command\[0\]": program "no-such-program-xyz" was not found on PATH/ },
  { name: "ready pattern that is not a regex", file: { ext: "json", text: json({ server: { name: "srv", command: ["sleep", "60"], ready: { stdout: "((" } } }) }, message: /field "server\.ready\.stdout": not a valid regular expression/ },
  { name: "worker name with a pipe", file: { ext: "json", text: json({ workers: [{ name: "a|b", command: ["sleep", "60"] }] }) }, message: /field "workers\[0\]/ },
  { name: "worker name with backticks", file: { ext: "json", text: json({ workers: [{ name: "`rm -rf`", command: ["sleep", "60"] }] }) }, message: /field "workers\[0\]/ },
  { name: "scenario name with a newline", file: { ext: "json", text: json({ name: "two\nlines" }) }, message: /field "name"/ },
  { name: "server name with HTML", file: { ext: "json", text: json({ server: { name: "<script>alert(1)</script>", command: ["sleep", "60"] } }) }, message: /field "server/ },
  { name: "process name escaping the log folder", file: { ext: "json", text: json({ workers: [{ name: "../../x", command: ["sleep", "60"] }] }) }, message: /field "workers\[0\]/ },
  { name: "process name with a slash (set on the command line)", args: ["run", "FILE", "--set", "workers.0.name=a/../../../etc/x"], file: { ext: "json", text: json({}) }, message: /field "workers\[0\]/ },
  { name: "prototype pollution through --set", args: ["run", "tight-loop", "--set", "__proto__.polluted=1"], message: /"__proto__" is not a field name/ },
  { name: "--set without a value", args: ["run", "tight-loop", "--set", "novalue"], message: /--set expects key=value/ },
  { name: "unknown param placeholder", file: { ext: "json", text: json({ workers: [{ name: "w", command: ["sleep", "${nope}"] }] }) }, message: /unknown param \$\{nope\}/ },
  { name: "a folder instead of a file", args: ["run", "DIR/"], message: /cannot read|not found|EISDIR/ },
  { name: "a file name with a newline", file: { ext: "json", text: "{" }, args: ["run", "NLFILE"], message: /not valid JSON/ },
  { name: "the same process name twice", file: { ext: "json", text: json({ workers: [{ name: "w", command: ["sleep", "60"] }, { name: "w", command: ["sleep", "60"] }] }) }, message: /used twice/ },
];

describe("hostile input: exit 2, one clear line, nothing started or written", () => {
  it("has at least 25 cases", () => expect(cases.length).toBeGreaterThanOrEqual(25));

  it.each(cases)("$name", async (c) => {
    const slug = c.name.replace(/[^a-z0-9]+/gi, "-");
    const file = join(dir, `${slug}.${c.file?.ext ?? "json"}`);
    if (c.file) writeFileSync(file, c.file.text);
    const nlFile = join(dir, `new\nline-${slug}.json`);
    if (c.args?.includes("NLFILE")) writeFileSync(nlFile, c.file?.text ?? "{");
    const folder = join(dir, `folder-${slug}`);
    mkdirSync(folder, { recursive: true });
    const out = join(dir, `out-${slug}`);
    const args = (c.args ?? ["run", "FILE"]).map((a) => (a === "FILE" ? file : a === "NLFILE" ? nlFile : a === "DIR/" ? `${folder}/` : a));
    const r = await runHarness([...args, "--out", out, ...(c.windowCase ? [] : ["--duration", "1", "--warmup", "0"]), "--quiet"], { env });
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.trim().split("\n");
    // commander adds a usage hint after its own one-line error; the harness's own errors are one line
    expect(lines[0]).toMatch(c.message);
    expect(lines.filter((l) => !/^\(run with --help/.test(l))).toHaveLength(1);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(out)).toBe(false);
  });

  it("left nothing running", () => expect(leftoverProcesses()).toEqual([]));
});

/** The text with every code span removed: an unescaped run of n backticks up to the next run of exactly n. */
function withoutCodeSpans(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (text[i] === "\\") {
      out += text.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (text[i] !== "`") {
      out += text[i];
      i += 1;
      continue;
    }
    let n = 0;
    while (text[i + n] === "`") n++;
    const close = new RegExp(`(?<!\`)\`{${n}}(?!\`)`, "g");
    close.lastIndex = i + n;
    const m = close.exec(text);
    if (!m) {
      out += text.slice(i, i + n);
      i += n;
      continue;
    }
    out += "CODE";
    i = m.index + n;
  }
  return out;
}

describe("hostile text that is allowed is escaped in the report", () => {
  it("keeps every table intact and no raw HTML, pipes, backticks or newlines get through", async () => {
    const evil = "a|b `c` <img src=x onerror=alert(1)>\nnext line **bold** _i_ [link](http://x)";
    const file = join(dir, "allowed.json");
    writeFileSync(
      file,
      JSON.stringify({
        name: "allowed",
        description: evil,
        params: { note: evil },
        server: { name: "srv", command: ["/bin/sh", "-c", "sleep 60", evil], ready: { delayMs: 50 }, env: { NOTE: "${note}" } },
        workers: [{ name: "w", command: ["/bin/sh", "-c", "sleep 60", "x|y`z`\n<b>"] }],
      }),
    );
    const out = join(dir, "out-allowed");
    const r = await runHarness(["run", file, "--out", out, "--duration", "1", "--warmup", "0", "--quiet"], { env });
    expect(r.code, r.stderr).toBe(0);
    const report = readFileSync(join(out, "report.md"), "utf8");
    // outside code spans (where markdown shows text literally), no HTML gets through
    const prose = withoutCodeSpans(report);
    expect(prose).not.toContain("<img");
    expect(prose).not.toContain("<b>");
    expect(prose).toContain("&lt;img");
    // every row of every table has as many unescaped pipes as its header
    const lines = report.split("\n");
    let expected = -1;
    for (const line of lines) {
      if (!line.startsWith("|")) {
        expected = -1;
        continue;
      }
      const pipes = (line.replace(/\\\\/g, "").match(/(?<!\\)\|/g) ?? []).length;
      if (expected < 0) expected = pipes;
      expect(pipes, line).toBe(expected);
    }
    // the description's newline did not start a new markdown block
    expect(lines.some((l) => l.startsWith("next line"))).toBe(false);
    // log files stay inside the run's logs folder
    expect(readdirSync(join(out, "logs")).sort()).toEqual(expect.arrayContaining(["srv.log", "w.log"]));
    expect(leftoverProcesses()).toEqual([]);
  });
});
