/**
 * wire-figures on two real `ss` readings one second apart: redis-server (pid 5350 when captured)
 * serving a `redis-cli -r -1 RPOP q` loop (pid 9994) on one connection, and a Python client (not
 * measured) that connected over IPv6 between the readings and sent 5 LPUSH commands.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSs, type TcpSocket } from "../../harness/sample/wire.js";
import { classifySockets } from "../../harness/sample/sockets.js";
import { findPeer, syscallTypeFigures, wireFigures, type ConnectionCounts, type TreeWireReading, type WireInput } from "../../harness/analyze/wire-figures.js";

const dir = join(import.meta.dirname, "..", "fixtures", "wire");
const read = (name: string): Map<number, TcpSocket> => new Map(parseSs(readFileSync(join(dir, name), "utf8")).map((s) => [s.inode, s]));
const start = read("ss-redis-start.txt");
const end = read("ss-redis-end.txt");

/** the socket inodes each process held (ls -l /proc/<pid>/fd at capture time) */
const REDIS = [14601, 14602, 21404, 26373];
const CLI = [20220];

function tree(inodes: number[], tcp: Map<number, TcpSocket>, at: number, unix = 0): TreeWireReading {
  const c = classifySockets({ inodes: new Map(inodes.map((i) => [i, 1])), notes: [] }, tcp, null);
  return { at, tcp: c.tcp, listening: c.listening, unix, unixListening: 0, other: 0, notes: [] };
}

const redis: WireInput = { name: "redis", start: tree(REDIS, start, 100), end: tree(REDIS, end, 101, 2) };
const cli: WireInput = { name: "naive", start: tree(CLI, start, 100), end: tree(CLI, end, 101) };
const all = [redis, cli];
const noConnects: ConnectionCounts = { counts: new Map([["connect", 0], ["accept", 0], ["accept4", 0]]), coveredS: 1 };

describe("wireFigures", () => {
  it("turns the loop's connection into round trips/s, bytes per exchange and requests/day, on both ends", () => {
    const w = wireFigures(cli, all, noConnects, "test");
    expect(w.source).toBe("test");
    expect(w.connections).toHaveLength(1);
    const c = w.connections[0]!;
    // Δdata_segs_in = 1515573 - 1489499 = 26074, Δdata_segs_out = 1515574 - 1489499 = 26075
    expect(c.roundTripsPerS).toBe(26074);
    expect(c).toMatchObject({ local: "127.0.0.1:34024", remote: "127.0.0.1:16399", peer: "redis", side: "client", seenAtStart: true, seenAtEnd: true, coveredS: 1 });
    // RPOP q is 21 bytes of RESP; a nil answer 5
    expect(c.bytesOutPerExchange).toBe(21);
    expect(c.bytesInPerExchange).toBe(5);
    expect(c.requestsPerDay).toBe(26074 * 86_400);
    expect(w.roundTripsPerS).toBe(26074);
    expect(w.roundTripsAtLeast).toBe(false);
    expect(w.listening).toEqual([]);

    const r = wireFigures(redis, all, noConnects, "test");
    const served = r.connections.find((x) => x.peer === "naive")!;
    expect(served.side).toBe("server");
    // the server's own counters: Δdata_segs_in = 1515574 - 1489498, Δdata_segs_out = 1515573 - 1489497
    expect(served.roundTripsPerS).toBe(26076);
    expect(served.bytesInPerExchange).toBe(21);
    expect(r.listening).toEqual(["0.0.0.0:16399", "[::]:16399"]);
  });

  it("names an unmeasured peer by address, and covers a connection opened inside the window from zero", () => {
    const r = wireFigures(redis, all, noConnects, "test");
    const v6 = r.connections.find((x) => x.remote === "[::1]:49740")!;
    expect(v6).toMatchObject({ peer: null, side: "server", seenAtStart: false, seenAtEnd: true, roundTripsPerS: 5, bytesInPerExchange: 76, bytesOutPerExchange: 4 });
    expect(r.roundTripsPerS).toBe(26081);
  });

  it("says what it cannot see: unix sockets, connections closed in the window, missing connect counts", () => {
    const r = wireFigures(redis, all, { counts: null, coveredS: 0, problem: "perf is not installed" }, "test");
    expect(r.unixSockets).toBe(2);
    expect(r.notes.join(" ")).toMatch(/2 unix-domain socket\(s\).*cannot be seen/);
    expect(r.notes.join(" ")).toMatch(/perf is not installed.*at least/);
    expect(r.connectsPerS).toBeNull();
    expect(r.shortLivedPerS).toBeNull();
    expect(r.roundTripsAtLeast).toBe(true);

    const gone: WireInput = { name: "naive", start: cli.start, end: { ...cli.end!, tcp: [] } };
    const g = wireFigures(gone, [redis, gone], noConnects, "test");
    expect(g.connections).toHaveLength(0);
    expect(g.notes.join(" ")).toMatch(/1 connection\(s\) open at the window's start closed/);
    expect(g.roundTripsAtLeast).toBe(true);
  });

  it("counts connections opened and closed inside the window as one exchange each (at least)", () => {
    // an HTTP/1.0 client: 900 connects in 1 s, none open at either reading
    const client: WireInput = { name: "curl-loop", start: tree([], start, 100), end: tree([], end, 101) };
    const w = wireFigures(client, [client, redis], { counts: new Map([["connect", 900], ["accept", 0], ["accept4", 0]]), coveredS: 1 }, "test");
    expect(w.connectsPerS).toBe(900);
    expect(w.shortLivedPerS).toBe(900);
    expect(w.roundTripsPerS).toBe(900);
    expect(w.roundTripsAtLeast).toBe(true);
    // redis accepted the IPv6 client inside the window and it is still open: not short-lived
    const r = wireFigures(redis, all, { counts: new Map([["connect", 0], ["accept", 0], ["accept4", 1]]), coveredS: 1 }, "test");
    expect(r.acceptsPerS).toBe(1);
    expect(r.shortLivedPerS).toBe(0);
  });

  it("has no figures, and says why, when the counters were not read", () => {
    const w = wireFigures({ name: "x", start: null, end: null, problem: "`ss` (iproute2) is not installed" }, [], noConnects, "test");
    expect(w.source).toBeNull();
    expect(w.roundTripsPerS).toBeNull();
    expect(w.notes[0]).toContain("not installed");
  });
});

describe("findPeer", () => {
  it("names the process listening on a local port when the other end's socket is not seen", () => {
    const s: TcpSocket = { ...end.get(20220)!, local: "127.0.0.1:50000", inode: 1 };
    const onlyServer = [redis];
    expect(findPeer(s, onlyServer, new Set())).toBe("redis");
    expect(findPeer({ ...s, remote: "10.1.2.3:16399" }, onlyServer, new Set())).toBeNull();
  });
});

describe("syscallTypeFigures", () => {
  it("gives calls per second, and null with the reason when nothing was counted", () => {
    const f = syscallTypeFigures({ counts: new Map([["sendto", 500], ["futex", 0]]), coveredS: 2 }, "perf");
    expect(f.perS).toEqual({ futex: 0, sendto: 250 });
    const n = syscallTypeFigures({ counts: null, coveredS: 0, problem: "perf: permission denied" }, "perf");
    expect(n.source).toBeNull();
    expect(n.notes).toEqual(["perf: permission denied"]);
  });
});
