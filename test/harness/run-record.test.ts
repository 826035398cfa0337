/**
 * The run record and `harness clean`'s identity guard: a process is ours only when pid AND start
 * time match the record, so a pid reused by another program is never signalled.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { trackGroups } from "../helpers/groups.js";
import { readStat } from "../../harness/sample/proc.js";
import { cleanDeadRuns, findDeadRuns, isSameProcess, liveGroupMembers, RunRecord, type RunRecordFile } from "../../harness/supervise/run-record.js";
import { tempDir } from "../helpers/cli.js";

const start = trackGroups();

/** A `sleep` in its own process group, as the supervisor starts processes. */
async function sleeper(): Promise<{ pid: number; startTicks: number }> {
  const c = start("sleep", ["60"]);
  const pid = c.pid as number;
  const st = readStat(pid);
  if (!st) throw new Error("sleep did not start");
  return { pid, startTicks: st.startTicks };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function writeRecord(dir: string, record: RunRecordFile): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${record.harness.pid}-${record.harness.startTicks}.json`);
  writeFileSync(file, JSON.stringify(record));
  return file;
}

describe("start-time guard", () => {
  it("knows this process by pid and start time, and rejects a wrong start time (a reused pid)", () => {
    const me = readStat(process.pid)!;
    expect(isSameProcess(process.pid, me.startTicks)).toBe(true);
    expect(isSameProcess(process.pid, me.startTicks + 1)).toBe(false);
    expect(isSameProcess(-1, 0)).toBe(false);
    expect(isSameProcess(process.pid, -1)).toBe(false);
  });

  it("treats a group whose leader pid now has another start time as gone", () => {
    const stats = new Map([
      [100, { pgrp: 100, startTicks: 999, state: "S" }], // pid 100 reused by a newer program
      [101, { pgrp: 100, startTicks: 1000, state: "S" }],
    ]);
    expect(liveGroupMembers({ name: "w", role: "worker", pid: 100, startTicks: 5, pgid: 100 }, stats)).toEqual([]);
    // the leader exited, a child is left in its group: still ours
    const orphaned = new Map([[101, { pgrp: 100, startTicks: 7, state: "S" }]]);
    expect(liveGroupMembers({ name: "w", role: "worker", pid: 100, startTicks: 5, pgid: 100 }, orphaned)).toEqual([101]);
  });
});

describe("run record", () => {
  it("writes every started process at once and disappears when the run ends", () => {
    const dir = tempDir("run-record-");
    const r = new RunRecord({ scenario: "s", outDir: "/tmp/x", command: "harness run s" }, dir);
    expect(existsSync(r.file)).toBe(true);
    r.add({ name: "server", role: "server", pid: 4242, startTicks: 77 });
    const data = JSON.parse(readFileSync(r.file, "utf8")) as RunRecordFile;
    expect(data.harness.pid).toBe(process.pid);
    expect(data.processes).toEqual([{ name: "server", role: "server", pid: 4242, startTicks: 77, pgid: 4242 }]);
    // a live harness's record is not a dead run
    expect(findDeadRuns(dir)).toEqual([]);
    r.remove();
    expect(existsSync(r.file)).toBe(false);
  });

  it("finds the orphans of a dead run and stops only them, never a reused pid", async () => {
    const dir = tempDir("run-record-");
    const orphan = await sleeper();
    const bystander = await sleeper(); // alive, but its recorded start time is wrong: a reused pid
    const me = readStat(process.pid)!;
    const file = writeRecord(dir, {
      version: 1,
      harness: { pid: process.pid, startTicks: me.startTicks + 12345, command: "harness run x" }, // a dead harness whose pid was reused
      startedAt: new Date().toISOString(),
      scenario: "x",
      outDir: "/tmp/x",
      processes: [
        { name: "server", role: "server", pid: orphan.pid, startTicks: orphan.startTicks, pgid: orphan.pid },
        { name: "worker", role: "worker", pid: bystander.pid, startTicks: bystander.startTicks + 1, pgid: bystander.pid },
        { name: "self", role: "worker", pid: process.pid, startTicks: me.startTicks + 1, pgid: process.pid },
      ],
    });
    const runs = findDeadRuns(dir);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.orphans.map((o) => o.name)).toEqual(["server"]);
    const { stopped, survivors } = await cleanDeadRuns(runs, 2000);
    expect(stopped.map((o) => o.pid)).toEqual([orphan.pid]);
    expect(survivors).toEqual([]);
    await new Promise((r) => setTimeout(r, 100));
    expect(isSameProcess(orphan.pid, orphan.startTicks)).toBe(false);
    expect(alive(bystander.pid)).toBe(true);
    expect(existsSync(file)).toBe(false);
  });

  it("deletes the record of a dead run that left nothing running", () => {
    const dir = tempDir("run-record-");
    const file = writeRecord(dir, {
      version: 1,
      harness: { pid: 2 ** 22 + 5, startTicks: 1, command: "" },
      startedAt: "",
      scenario: "x",
      outDir: "",
      processes: [{ name: "server", role: "server", pid: 2 ** 22 + 6, startTicks: 1, pgid: 2 ** 22 + 6 }],
    });
    expect(findDeadRuns(dir)).toEqual([]);
    expect(existsSync(file)).toBe(false);
  });
});
