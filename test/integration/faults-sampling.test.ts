/**
 * The sampler under faults: a process that exits between two readings, a pid that now belongs to
 * another program (the start-time guard), and files kept open across ticks that must never read a
 * stranger after the process is gone.
 */
import type { ChildProcess } from "node:child_process";
import { describe, expect, it } from "vitest";
import { trackGroups } from "../helpers/groups.js";
import { Sampler } from "../../harness/sample/sampler.js";
import { identify, nowSeconds, snapshotTree } from "../../harness/sample/tree-snapshot.js";
import { childrenMap, readStat } from "../../harness/sample/proc.js";
import { processFigures } from "../../harness/analyze/process-figures.js";

const start = trackGroups();

const exited = (c: ChildProcess): Promise<void> => new Promise((r) => (c.exitCode !== null ? r() : c.once("exit", () => r())));
const meta = { role: "worker" as const, name: "p", group: "p", pid: 0, command: [], log: "" };

describe("sampler faults", () => {
  it("records a process that exits between two readings as gone, and keeps its figures up to then", async () => {
    // a shell that burns a little CPU, then exits; its child loop is part of the tree while it lives
    const c = start("/bin/sh", ["-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 0.6"]);
    const target = identify(c.pid as number)!;
    const s = new Sampler();
    s.add("p", target);
    s.windowStart = nowSeconds();
    await s.tick(nowSeconds());
    await new Promise((r) => setTimeout(r, 300));
    await s.tick(nowSeconds());
    await exited(c);
    await s.tick(nowSeconds()); // the process is gone now: no throw, an empty reading
    await s.tick(nowSeconds());
    s.close();
    const track = s.tracks.get("p")!;
    expect(track.readings.map((r) => r.snap.alive)).toEqual([true, true, false, false]);
    expect(track.readings[2]!.intervalCpu).toBeUndefined();
    expect(track.lastAlive).toBe(track.readings[1]);
    const fig = processFigures(track, { ...meta, pid: target.pid }, 10, 1, 100);
    expect(fig.cpuSeconds).toBeGreaterThanOrEqual(0);
    expect(fig.members.length).toBeGreaterThanOrEqual(1);
  });

  it("never reads a pid whose start time differs from the one recorded (a reused pid)", () => {
    const me = readStat(process.pid)!;
    const stranger = snapshotTree({ pid: process.pid, startTicks: me.startTicks + 1 });
    expect(stranger.alive).toBe(false);
    expect(stranger.members).toEqual([]);

    const ours = snapshotTree({ pid: process.pid, startTicks: me.startTicks });
    expect(ours.alive).toBe(true);
    expect(ours.members[0]!.pid).toBe(process.pid);
  });

  it("a file kept open across ticks stops reading once its process is gone", async () => {
    const c = start("sleep", ["30"]);
    const target = identify(c.pid as number)!;
    const s = new Sampler();
    s.add("p", target);
    await s.tick(nowSeconds()); // opens and keeps /proc/<pid>/stat and friends
    expect(s.tracks.get("p")!.readings[0]!.snap.alive).toBe(true);
    process.kill(-(c.pid as number), "SIGKILL");
    await exited(c);
    await s.tick(nowSeconds());
    expect(s.tracks.get("p")!.readings[1]!.snap.alive).toBe(false);
    // a new process (possibly on the same pid one day) is a different process: the guard sees it
    expect(snapshotTree({ pid: target.pid, startTicks: target.startTicks }, undefined, true).alive).toBe(false);
    s.close();
  });

  it("counts descendants: a worker started through sh includes its child's CPU", async () => {
    const c = start("/bin/sh", ["-c", "sh -c 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done'; sleep 5"]);
    const target = identify(c.pid as number)!;
    await new Promise((r) => setTimeout(r, 100));
    const snap = snapshotTree(target);
    expect(snap.alive).toBe(true);
    expect(snap.members.length).toBeGreaterThanOrEqual(2);
    // the same tree as one scan of /proc finds
    const viaScan = snapshotTree(target, childrenMap());
    expect(viaScan.members.map((m) => m.pid).sort()).toEqual(snap.members.map((m) => m.pid).sort());
  });
});
