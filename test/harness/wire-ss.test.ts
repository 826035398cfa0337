/** The ss parser, the /proc/net/unix parser, socket classification and the perf per-thread parser, on text captured from real runs. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { normalAddress, parseBracketed, parseSs, splitAddress } from "../../harness/sample/wire.js";
import { classifySockets, parseProcNetUnix } from "../../harness/sample/sockets.js";
import { parsePerfPerThread } from "../../harness/sample/syscall-counter.js";

const dir = join(import.meta.dirname, "..", "fixtures", "wire");
const fixture = (name: string): string => readFileSync(join(dir, name), "utf8");

describe("parseSs (ss -tanieHO, iproute2 6.1)", () => {
  const all = parseSs(fixture("ss-all-states.txt"));

  it("reads every socket line, in every state", () => {
    expect(all).toHaveLength(13);
    expect(all.filter((s) => s.state === "LISTEN")).toHaveLength(3);
    expect(all.filter((s) => s.state === "TIME-WAIT")).toHaveLength(6);
    expect(all.filter((s) => s.state === "ESTAB")).toHaveLength(4);
  });

  it("reads the tcp_info counters and the inode of an IPv4 connection", () => {
    const s = all.find((x) => x.inode === 15919)!;
    expect(s).toMatchObject({ state: "ESTAB", local: "127.0.0.1:16399", remote: "127.0.0.1:52430", bytesSent: 1624, bytesReceived: 11774, segsOut: 407, segsIn: 409, dataSegsOut: 406, dataSegsIn: 406, bytesRetrans: 0 });
  });

  it("reads IPv6 addresses in brackets", () => {
    const s = all.find((x) => x.inode === 15916)!;
    expect(s.local).toBe("[::1]:37474");
    expect(s.remote).toBe("[::1]:16399");
    expect(s.dataSegsIn).toBe(413);
    expect(all.find((x) => x.inode === 14602)!.local).toBe("[::]:16399");
  });

  it("gives TIME-WAIT sockets inode 0 and zero counters (ss omits zero counters)", () => {
    const tw = all.filter((s) => s.state === "TIME-WAIT");
    expect(tw.every((s) => s.inode === 0 && s.dataSegsIn === 0 && s.bytesSent === 0)).toBe(true);
  });

  it("skips a header and blank lines", () => {
    const text = "State Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n\n" + fixture("ss-all-states.txt");
    expect(parseSs(text)).toHaveLength(13);
  });
});

describe("parseBracketed (bash's clock around ss)", () => {
  it("takes the two times, ss's exit status and its output; accepts a comma decimal mark; refuses anything else", () => {
    const ss = fixture("ss-all-states.txt").trimEnd();
    const b = parseBracketed(`T 1796139898.732253\n${ss}\nT 1796139898.763764 0\n`)!;
    expect(b.t0).toBe(1796139898.732253);
    expect(b.t1 - b.t0).toBeCloseTo(0.031511, 5);
    expect(b.rc).toBe(0);
    expect(parseSs(b.body)).toHaveLength(13);
    expect(parseBracketed("T 10,5\nT 10,75 127\n")).toMatchObject({ t0: 10.5, t1: 10.75, rc: 127, body: "" });
    // bash < 5 has no $EPOCHREALTIME: the caller times the call itself
    expect(parseBracketed("T \nLISTEN 0 1 a:1 b:*\nT  0\n")).toBeNull();
  });
});

describe("addresses", () => {
  it("splits IPv4, IPv6, scoped and IPv4-mapped addresses", () => {
    expect(splitAddress("127.0.0.1:6379")).toEqual({ host: "127.0.0.1", port: "6379" });
    expect(splitAddress("[::1]:80")).toEqual({ host: "::1", port: "80" });
    expect(splitAddress("[fe80::1%eth0]:22")).toEqual({ host: "fe80::1", port: "22" });
    expect(splitAddress("[::ffff:127.0.0.1]:8000")).toEqual({ host: "127.0.0.1", port: "8000" });
    expect(splitAddress("0.0.0.0:*")).toEqual({ host: "0.0.0.0", port: "*" });
    expect(normalAddress("[::ffff:10.0.0.2]:5432")).toBe("10.0.0.2:5432");
    expect(normalAddress("[::1]:5432")).toBe("[::1]:5432");
  });
});

describe("sockets of a tree", () => {
  it("parses /proc/net/unix and marks listening sockets", () => {
    const text = [
      "Num       RefCount Protocol Flags    Type St Inode Path",
      "0000000000000000: 00000002 00000000 00010000 0001 01 20001 /run/app.sock",
      "0000000000000000: 00000003 00000000 00000000 0001 03   562",
      "0000000000000000: 00000003 00000000 00000000 0001 03   563 /run/app.sock",
    ].join("\n");
    const u = parseProcNetUnix(text);
    expect([...u.inodes].sort()).toEqual([20001, 562, 563].sort());
    expect([...u.listening]).toEqual([20001]);
  });

  it("classifies a tree's inodes into TCP connections, TCP listeners, unix and other", () => {
    const tcp = new Map(parseSs(fixture("ss-redis-start.txt")).map((s) => [s.inode, s]));
    // redis-server's fds when the fixture was captured: two listeners, one connection; plus a unix socket and a UDP one
    const tree = { inodes: new Map([[14601, 1], [14602, 1], [21404, 1], [562, 1], [99999, 1]]), notes: [] };
    const c = classifySockets(tree, tcp, { inodes: new Set([562, 563]), listening: new Set() });
    expect(c.tcp.map((s) => s.inode)).toEqual([21404]);
    expect(c.listening).toEqual(["0.0.0.0:16399", "[::]:16399"]);
    expect(c.unix).toBe(1);
    expect(c.other).toBe(1);
  });
});

describe("parsePerfPerThread (perf stat -x, --per-thread)", () => {
  const names = new Map([
    ["syscalls:sys_enter_sendto", "sendto"],
    ["syscalls:sys_exit_accept4", "accept4"],
    ["syscalls:sys_enter_clock_nanosleep", "clock_nanosleep"],
  ]);
  it("sums counts per thread id, with a comm that holds '-' and other lines around", () => {
    const text = [
      "Events disabled",
      "Events enabled",
      "sleep: Interrupt",
      "redis-cli-9994,43330,,syscalls:sys_enter_sendto,415631035,100.00,,",
      "node-worker-1-7001,12,,syscalls:sys_enter_sendto,1000,100.00,,",
      "node-worker-1-7001,3,,syscalls:sys_exit_accept4,1000,100.00,,",
      "python3-4996,<not counted>,,syscalls:sys_enter_clock_nanosleep,0,0.00,,",
      "python3-4996,468,,syscalls:sys_enter_clock_nanosleep,4271479,100.00,,",
      "python3-4996,5,,syscalls:sys_enter_unknown,4271479,100.00,,",
    ].join("\n");
    const got = parsePerfPerThread(text, names);
    expect(got.get(9994)?.get("sendto")).toBe(43330);
    expect(got.get(7001)?.get("sendto")).toBe(12);
    expect(got.get(7001)?.get("accept4")).toBe(3);
    expect(got.get(4996)?.get("clock_nanosleep")).toBe(468);
    expect(got.get(4996)?.size).toBe(1);
  });
});
