import { describe, expect, it } from "vitest";
import { useColour } from "../../harness/util/colour.js";
import { closest, didYouMean } from "../../harness/util/did-you-mean.js";
import { splitRunCommand } from "../../harness/cli/split-command.js";
import { nameOfCommand } from "../../harness/scenario/command.js";
import { CLINIC_MISSING, doctorUnsupportedReason } from "../../harness/profile/doctor.js";
import { displayPath, portableValue, type PathBases } from "../../harness/report/portable-paths.js";
import { formatError } from "../../harness/cli/errors-out.js";
import { UsageError } from "../../harness/util/errors.js";

describe("colour", () => {
  const tty = { isTTY: true };
  it("follows --color, then NO_COLOR, FORCE_COLOR, TERM=dumb, then the terminal", () => {
    expect(useColour(tty, {}, "auto")).toBe(true);
    expect(useColour({ isTTY: false }, {}, "auto")).toBe(false);
    expect(useColour(tty, { NO_COLOR: "1" }, "auto")).toBe(false);
    expect(useColour(tty, { NO_COLOR: "" }, "auto")).toBe(true); // empty means unset (no-color.org)
    expect(useColour({ isTTY: false }, { FORCE_COLOR: "1" }, "auto")).toBe(true);
    expect(useColour(tty, { FORCE_COLOR: "0" }, "auto")).toBe(true);
    expect(useColour(tty, { TERM: "dumb" }, "auto")).toBe(false);
    expect(useColour(tty, { NO_COLOR: "1" }, "always")).toBe(true);
    expect(useColour(tty, {}, "never")).toBe(false);
  });
});

describe("did you mean", () => {
  it("suggests close names and nothing for far ones", () => {
    expect(closest("tigt-loop", ["tight-loop", "long-poll", "fixed-backoff"])).toEqual(["tight-loop"]);
    expect(didYouMean("doctr", ["flame", "doctor", "perf"])).toBe(' (did you mean "doctor"?)');
    expect(didYouMean("taskStratgy", ["taskStrategy", "name", "window"])).toBe(' (did you mean "taskStrategy"?)');
    expect(didYouMean("zzzzzz", ["flame", "doctor", "perf"])).toBe("");
  });
});

describe("run -- <command>", () => {
  it("splits the program off after the first -- following run", () => {
    expect(splitRunCommand(["node", "h", "run", "-d", "3", "--", "node", "-e", "x", "--", "-d"])).toEqual({ argv: ["node", "h", "run", "-d", "3"], command: ["node", "-e", "x", "--", "-d"] });
    expect(splitRunCommand(["node", "h", "run", "tight-loop"])).toEqual({ argv: ["node", "h", "run", "tight-loop"] });
    expect(splitRunCommand(["node", "h", "attach", "--", "run"])).toEqual({ argv: ["node", "h", "attach", "--", "run"] });
  });
  it("names the run after the script, else the program", () => {
    expect(nameOfCommand(["node", "-e", "setInterval(()=>{},1)"])).toBe("node");
    expect(nameOfCommand(["node", "--inspect", "./workers/my-worker.js"])).toBe("my-worker.js");
    expect(nameOfCommand(["/usr/bin/python3", "app/poller.py"])).toBe("poller.py");
    expect(nameOfCommand(["./bin/poll loop"])).toBe("poll-loop");
  });
});

describe("--profile doctor without clinic", () => {
  it("says in one line how to add it", () => {
    expect(doctorUnsupportedReason({ HARNESS_SIMULATE_NODE_VERSION: "v20.11.0" }, () => false)).toBe(CLINIC_MISSING);
    expect(doctorUnsupportedReason({ HARNESS_SIMULATE_NODE_VERSION: "v20.11.0" }, () => true)).toBeNull();
    expect(doctorUnsupportedReason({ HARNESS_SIMULATE_NODE_VERSION: "v22.1.0" }, () => false)).toMatch(/Node v22\.1\.0/);
    expect(CLINIC_MISSING).not.toMatch(/\n/);
    expect(CLINIC_MISSING).toMatch(/npm i -D clinic@13/);
  });
});

describe("portable paths in reports", () => {
  const b: PathBases = { outDir: "/work/proj/runs/t-1", cwd: "/work/proj", packageRoot: "/work/proj/node_modules/idle-cpu-harness", home: "/root", tmp: "/tmp", execPath: "/opt/node-20/bin/node" };
  it("rewrites this machine's paths and leaves the rest", () => {
    const r = portableValue(
      {
        file: "/work/proj/node_modules/idle-cpu-harness/scenarios/tight-loop.yaml",
        command: ["/opt/node-20/bin/node", "/work/proj/node_modules/idle-cpu-harness/dist/src/server/main.js"],
        log: "/work/proj/runs/t-1/logs/server.log",
        mine: "/work/proj/my-worker.js",
        other: "/work/project2/x /root/.cache/y /tmp/z /usr/bin/python3",
        n: 3,
        keep: null,
      },
      b,
    );
    expect(r).toEqual({
      file: "{root}/scenarios/tight-loop.yaml",
      command: ["node", "{root}/dist/src/server/main.js"],
      log: "./logs/server.log",
      mine: "./my-worker.js",
      other: "/work/project2/x ~/.cache/y $TMPDIR/z /usr/bin/python3",
      n: 3,
      keep: null,
    });
  });
  it("shows a path under the current folder relative to it", () => {
    expect(displayPath("/work/proj/runs/a/report.md", "/work/proj")).toBe("runs/a/report.md");
    expect(displayPath("/elsewhere/report.md", "/work/proj")).toBe("/elsewhere/report.md");
  });
});

describe("one error prefix", () => {
  it("starts every message with harness: on one line", () => {
    expect(formatError(new UsageError("bad\nvalue"))).toBe("harness: bad\\nvalue\n");
    expect(formatError(new Error("boom"))).toBe("harness: boom\n");
  });
});

describe("reports written before portable paths", () => {
  it("turn links to files that are not beside them into plain text", async () => {
    const { unlinkMissing } = await import("../../harness/report/portable-files.js");
    const md = "[server.log](logs/server.log) [cpu](cpu.svg) [web](https://example.com/x) [top](#verdicts)";
    expect(unlinkMissing(md, (t) => t === "cpu.svg")).toBe("server.log (not kept) [cpu](cpu.svg) [web](https://example.com/x) [top](#verdicts)");
  });
});
