/**
 * The sampler and process trees. The sampler's faults (a process that exits between two readings, a
 * pid reused by another program, files kept open across ticks) are rows of the fault matrix:
 * test/faults/scrape.test.ts.
 */
import { describe, expect, it } from "vitest";
import { trackGroups } from "../helpers/groups.js";
import { identify, snapshotTree } from "../../harness/sample/tree-snapshot.js";
import { childrenMap } from "../../harness/sample/proc.js";

const start = trackGroups();

describe("sampler faults", () => {
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
