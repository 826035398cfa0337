/**
 * The sockets a process tree holds: the socket inodes its members' /proc/<pid>/fd links name
 * (`socket:[N]`), classified as TCP (the inode is in a `ss` reading), unix-domain (/proc/net/unix)
 * or other (UDP, netlink, ...). Read only: nothing here touches the process.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import type { TcpSocket } from "./wire.js";

export interface TreeSockets {
  /** socket inode → the member pid holding it (the first one seen: a forked child shares its parent's) */
  inodes: Map<number, number>;
  /** members whose fds could not be read, one sentence each */
  notes: string[];
}

/** Socket inodes of every pid in `pids`. An fd table that cannot be read is a note, never "no sockets". */
export function readSocketInodes(pids: number[]): TreeSockets {
  const out: TreeSockets = { inodes: new Map(), notes: [] };
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOENT: the member exited between the tree reading and this one: nothing to say
      if (code !== "ENOENT" && code !== "ESRCH") out.notes.push(`the sockets of pid ${pid} could not be read (${code ?? "error"} on /proc/${pid}/fd: run the harness as that process's user or as root)`);
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue; // closed since the listing
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && !out.inodes.has(Number(m[1]))) out.inodes.set(Number(m[1]), pid);
    }
  }
  return out;
}

export interface UnixSockets {
  inodes: Set<number>;
  /** inodes of listening unix sockets (__SO_ACCEPTCON) */
  listening: Set<number>;
}

/** Parse /proc/net/unix: `Num RefCount Protocol Flags Type St Inode [Path]`. */
export function parseProcNetUnix(text: string): UnixSockets {
  const out: UnixSockets = { inodes: new Set(), listening: new Set() };
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 7) continue;
    const inode = Number(f[6]);
    if (!Number.isInteger(inode) || inode <= 0) continue;
    out.inodes.add(inode);
    if ((parseInt(f[3] as string, 16) & 0x10000) !== 0) out.listening.add(inode);
  }
  return out;
}

/** The host's unix-domain sockets (this network namespace); null when /proc/net/unix cannot be read. */
export function readUnixSockets(): UnixSockets | null {
  try {
    return parseProcNetUnix(readFileSync("/proc/net/unix", "utf8"));
  } catch {
    return null;
  }
}

export interface ClassifiedSockets {
  /** the tree's TCP sockets that carry a connection (not listening), from the ss reading */
  tcp: TcpSocket[];
  /** the tree's listening TCP addresses */
  listening: string[];
  unix: number;
  unixListening: number;
  other: number;
}

/** Sort a tree's socket inodes into TCP (from one `ss` reading), unix-domain and other. */
export function classifySockets(tree: TreeSockets, tcpByInode: Map<number, TcpSocket>, unix: UnixSockets | null): ClassifiedSockets {
  const out: ClassifiedSockets = { tcp: [], listening: [], unix: 0, unixListening: 0, other: 0 };
  for (const inode of tree.inodes.keys()) {
    const tcp = tcpByInode.get(inode);
    if (tcp) {
      if (tcp.state === "LISTEN") out.listening.push(tcp.local);
      else out.tcp.push(tcp);
    } else if (unix?.inodes.has(inode)) {
      out.unix++;
      if (unix.listening.has(inode)) out.unixListening++;
    } else {
      out.other++;
    }
  }
  out.listening.sort();
  return out;
}
