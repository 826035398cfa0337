/**
 * One reading of every TCP socket's kernel counters (tcp_info via sock_diag), through iproute2's
 * `ss`: the same data `ss -ti` prints. Sockets are matched to processes by inode (`ino:`, from -e),
 * which /proc/<pid>/fd links name (harness/sample/sockets.ts). Reading the counters never touches
 * the measured program: ss asks the kernel, and is our own child.
 */
import { execFile } from "node:child_process";
import { nowSeconds } from "./tree-snapshot.js";

/**
 * The ss command line: TCP (-t), every state incl. listening (-a), numeric (-n), tcp_info (-i),
 * inode (-e), no header (-H), one line per socket (-O); TIME-WAIT left out in the kernel (no process
 * owns one, and a host that served many short connections holds thousands: 13,718 here made a
 * reading 98 ms instead of 20).
 */
export const SS_ARGS = ["-tanieHO", "exclude", "time-wait"];
export const SS_SOURCE = "sock_diag tcp_info (ss -tanieHO exclude time-wait)";

export interface TcpSocket {
  /** ss's state name: ESTAB, LISTEN, TIME-WAIT, SYN-SENT, CLOSE-WAIT, ... */
  state: string;
  local: string;
  remote: string;
  /** 0 for sockets no process owns (TIME-WAIT, orphans) */
  inode: number;
  /** tcp_info counters; ss omits a counter that is zero, so absent means 0 */
  bytesSent: number;
  bytesRetrans: number;
  bytesReceived: number;
  segsIn: number;
  segsOut: number;
  dataSegsIn: number;
  dataSegsOut: number;
}

export interface WireReading {
  /**
   * monotonic seconds: the middle of ss's run, timed by bash around it (or, without bash 5, the
   * middle of the whole call from Node, whose spawn can take 100+ ms on a loaded machine). The
   * kernel's counters are read at one moment inside it: uncertain by half of tookMs.
   */
  at: number;
  /** null when the counters could not be read (ss missing or failing): then `problem` says why */
  sockets: TcpSocket[] | null;
  problem?: string;
  /** how long ss ran (bash-timed) or the whole call took, milliseconds */
  tookMs: number;
}

const COUNTERS: Record<string, keyof TcpSocket> = {
  bytes_sent: "bytesSent",
  bytes_retrans: "bytesRetrans",
  bytes_received: "bytesReceived",
  segs_in: "segsIn",
  segs_out: "segsOut",
  data_segs_in: "dataSegsIn",
  data_segs_out: "dataSegsOut",
};

/** Parse `ss -tanieHO` output: one socket per line (state, recv-q, send-q, local, peer, then key:value details). */
export function parseSs(text: string): TcpSocket[] {
  const out: TcpSocket[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5) continue;
    const [state, recvQ, sendQ, local, remote] = f as [string, string, string, string, string];
    // a header line, or something that is not a socket line
    if (!/^\d+$/.test(recvQ) || !/^\d+$/.test(sendQ) || !/:/.test(local) || !/:/.test(remote)) continue;
    const s: TcpSocket = { state, local, remote, inode: 0, bytesSent: 0, bytesRetrans: 0, bytesReceived: 0, segsIn: 0, segsOut: 0, dataSegsIn: 0, dataSegsOut: 0 };
    for (const tok of f.slice(5)) {
      const colon = tok.indexOf(":");
      if (colon <= 0) continue;
      const key = tok.slice(0, colon);
      const value = tok.slice(colon + 1);
      if (key === "ino") s.inode = Number(value) || 0;
      else if (key in COUNTERS && /^\d+$/.test(value)) (s[COUNTERS[key] as keyof TcpSocket] as number) = Number(value);
    }
    out.push(s);
  }
  return out;
}

/** Split "127.0.0.1:80", "[::1]:80", "[fe80::1%eth0]:22", "*:*" into host and port; IPv4-mapped IPv6 becomes IPv4. */
export function splitAddress(addr: string): { host: string; port: string } {
  const i = addr.lastIndexOf(":");
  if (i < 0) return { host: addr, port: "" };
  let host = addr.slice(0, i);
  const port = addr.slice(i + 1);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  const pct = host.indexOf("%");
  if (pct >= 0) host = host.slice(0, pct);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  if (mapped) host = mapped[1] as string;
  return { host, port };
}

/** The same address written one way, so both ends of a connection compare equal. */
export function normalAddress(addr: string): string {
  const { host, port } = splitAddress(addr);
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The shell line that brackets ss with bash's clock (a builtin: no fork), so a reading's time is
 * known to within ss's own run (a few ms) rather than Node's spawn, which took 200-450 ms on a
 * loaded 2-core machine. The exit status of ss rides on the last line.
 */
const BRACKETED = `echo "T $EPOCHREALTIME"; ss ${SS_ARGS.join(" ")}; rc=$?; echo "T $EPOCHREALTIME $rc"`;
let bashClock = true;

/** Split the bracketed output: the two bash times (seconds, realtime), ss's exit status and its output. */
export function parseBracketed(stdout: string): { t0: number; t1: number; rc: number; body: string } | null {
  const lines = stdout.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const first = /^T (\d+[.,]\d+)$/.exec(lines[0] ?? "");
  const last = /^T (\d+[.,]\d+) (\d+)$/.exec(lines.at(-1) ?? "");
  if (!first || !last) return null;
  const num = (x: string): number => Number(x.replace(",", "."));
  return { t0: num(first[1] as string), t1: num(last[1] as string), rc: Number(last[2]), body: lines.slice(1, -1).join("\n") };
}

const NO_SS = "`ss` (iproute2) is not installed: TCP connections could not be read (install iproute2)";

/** One reading of every TCP socket on the host (this network namespace). Never throws. */
export function readWire(timeoutMs = 5000): Promise<WireReading> {
  const start = nowSeconds();
  const opts = { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 };
  const plain = (): Promise<WireReading> =>
    new Promise((resolve) => {
      execFile("ss", SS_ARGS, opts, (err, stdout, stderr) => {
        const done = nowSeconds();
        // the counters are read at one moment inside the call: its middle has the smallest worst-case error
        const at = (start + done) / 2;
        const tookMs = (done - start) * 1000;
        if (err) {
          const code = (err as NodeJS.ErrnoException).code;
          const problem = code === "ENOENT" ? NO_SS : `\`ss ${SS_ARGS.join(" ")}\` failed: ${(String(stderr).trim() || err.message).split("\n")[0]}`;
          resolve({ at, sockets: null, problem, tookMs });
          return;
        }
        resolve({ at, sockets: parseSs(stdout), tookMs });
      });
    });
  if (!bashClock) return plain();
  return new Promise((resolve) => {
    execFile("bash", ["-c", BRACKETED], opts, (err, stdout, stderr) => {
      const done = nowSeconds();
      const b = err ? null : parseBracketed(stdout);
      if (!b) {
        // no bash, or one without $EPOCHREALTIME (bash < 5): time the ss call from here instead
        bashClock = false;
        void plain().then(resolve);
        return;
      }
      // bash's realtime clock mapped onto our monotonic one at this moment (no clock step within a reading)
      const offset = Date.now() / 1000 - done;
      const at = (b.t0 + b.t1) / 2 - offset;
      const tookMs = (b.t1 - b.t0) * 1000;
      if (b.rc !== 0) {
        const problem = b.rc === 127 ? NO_SS : `\`ss ${SS_ARGS.join(" ")}\` failed: ${String(stderr).trim().split("\n")[0] || `exit status ${b.rc}`}`;
        resolve({ at, sockets: null, problem, tookMs });
        return;
      }
      resolve({ at, sockets: parseSs(b.body), tookMs });
    });
  });
}
