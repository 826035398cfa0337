/**
 * Which category a profile sample belongs to: idle, garbage collection, the runtime, native and
 * I/O, the application's own code, libraries, logging, JSON, and the profiler's own work (V8
 * writing its --prof log). The rules live here and nowhere else; they are pure so tests can feed
 * them fixture stacks.
 */

export type Category = "idle" | "gc" | "runtime" | "native-io" | "application" | "libraries" | "logging" | "json" | "profiler";

export const CATEGORY_ORDER: Category[] = ["idle", "gc", "runtime", "native-io", "application", "libraries", "logging", "json", "profiler"];

/** Categories that are not the program's work: left out of the function tables (summary.ts). */
export const NOT_PROGRAM_WORK: readonly Category[] = ["idle", "profiler"];

export const CATEGORY_LABEL: Record<Category, string> = {
  idle: "Idle (waiting for I/O or timers)",
  gc: "Garbage collection",
  runtime: "Runtime (V8 and Node internals, compiler)",
  "native-io": "Native and I/O (syscalls, libuv, addons)",
  application: "Application code",
  libraries: "Libraries (node_modules)",
  logging: "Logging",
  json: "JSON",
  profiler: "Profiler's own log writing (V8 --prof, not the program)",
};

/** One frame of a sampled stack, leaf first. */
export interface Frame {
  /** "JS" for JavaScript functions, "CODE" for V8 builtins and stubs, "CPP"/"SHARED_LIB" for native code, "UNKNOWN" */
  type: "JS" | "CODE" | "CPP" | "SHARED_LIB" | "UNKNOWN";
  /** the function's name as the profiler gave it (for JS: "name file:line:col") */
  name: string;
}

/** V8's VM state tags (include/v8-unwinder.h, StateTag). */
export const VM_STATE = { JS: 0, GC: 1, PARSER: 2, BYTECODE_COMPILER: 3, COMPILER: 4, OTHER: 5, EXTERNAL: 6, ATOMICS_WAIT: 7, IDLE: 8, LOGGING: 9 } as const;

/**
 * The C library's write path (write() and stdio's buffered fwrite/fflush), as V8's --prof logger
 * reaches it: V8 writes its log through a C++ stream. The program's own socket and pipe writes go
 * through libuv instead (writev, or write from uv__write) and run in the JS or EXTERNAL state.
 */
const LIBC_WRITE = /^(__write|write|__libc_write|__GI___libc_write|_IO_fwrite|fwrite|_IO_file_write|_IO_new_file_write|new_do_write|_IO_do_write|_IO_new_do_write|_IO_file_xsputn|_IO_new_file_xsputn|fflush|_IO_fflush)(@@[\w.]+)?$/;
/** VM states in which the program cannot be writing: V8 is parsing or compiling (it logs every code object it creates). */
const V8_OWN_STATES: readonly number[] = [VM_STATE.PARSER, VM_STATE.BYTECODE_COMPILER, VM_STATE.COMPILER];

/**
 * true for a V8 sample of V8 writing its own --prof log: the LOGGING state where V8 has it, or a
 * C-library write at the leaf while V8 parses or compiles (with --prof every code object V8 creates
 * is logged and flushed, one write() each). The same writes in a tight loop's idle worker were 14-30%
 * of its self time, above every function of the program.
 */
export function isProfilerLogWrite(vmState: number | null, stack: Frame[]): boolean {
  if (vmState === VM_STATE.LOGGING) return true;
  const leaf = stack[0];
  return vmState !== null && V8_OWN_STATES.includes(vmState) && leaf !== undefined && (leaf.type === "CPP" || leaf.type === "SHARED_LIB") && LIBC_WRITE.test(leaf.name.trim());
}

const IDLE_LEAF = /^(epoll_p?wait|__GI_epoll_p?wait|poll|ppoll|select|pthread_cond_(timed)?wait|__futex|futex_wait|nanosleep|clock_nanosleep|__GI___poll|uv__io_poll|__psynch_cvwait|kevent|schedule|do_idle|cpu_idle|default_idle|native_safe_halt)\b/;
const JSON_FRAME = /Json(Parse|Stringify|Parser|Stringifier)|JSON\.(parse|stringify)|\bjson(Parse|Stringify)\b/;
const LOGGING_FILE = /node:internal\/console\/|\/node_modules\/(pino|winston|bunyan|log4js|debug|loglevel|signale|consola)\//;
const LOGGING_FN = /^(log|logger|logLine|writeLog|log[A-Z]\w*)$/;
const RUNTIME_NATIVE = /^(v8::|Builtins_|v8_|node::(?!fs|crypto|http|stream|TCP|Pipe|Stream|LibuvStreamWrap))|v8::internal::/;
const NATIVE_IO = /^(__?write|__?read|__?send|__?recv|writev|readv|sendto|recvfrom|sendmsg|recvmsg|epoll_ctl|uv_|uv__|sqlite3|node::|__libc|__GI_|syscall|entry_SYSCALL|do_syscall|tcp_|ip_|sock_|__sys_)/;

/** The first frame that the profiler could name, and how many unnamed frames sit above it. */
export function firstKnown(stack: Frame[]): { frame: Frame | undefined; skipped: number; index: number } {
  const index = stack.findIndex((f) => f.type !== "UNKNOWN");
  return index < 0 ? { frame: undefined, skipped: stack.length, index: -1 } : { frame: stack[index], skipped: index, index };
}

/** Split a V8 JS code name ("fn /path/file.js:12:3") into the function name, file and line. */
export function splitJsName(name: string): { fn: string; file: string | null; line: number | null; column: number | null } {
  const m = /^(.*?)\s*(\S+):(\d+):(\d+)$/.exec(name.trim());
  if (!m) return { fn: name.trim() || "(anonymous)", file: null, line: null, column: null };
  const fn = (m[1] ?? "").trim();
  return { fn: fn || "(anonymous)", file: m[2] ?? null, line: Number(m[3]), column: Number(m[4]) };
}

/** Who owns a JS frame: the runtime (node:...), a dependency (node_modules) or the application. */
export function jsOwner(name: string): "runtime" | "libraries" | "application" {
  const { file } = splitJsName(name);
  if (!file || file.startsWith("node:") || !/[/\\]/.test(file)) return "runtime";
  if (/[/\\]node_modules[/\\]/.test(file)) return "libraries";
  return "application";
}

function isIdleLeaf(frame: Frame | undefined): boolean {
  // native waits only: a JavaScript function named poll or select is the program's work
  if (!frame || frame.type === "JS") return false;
  const bare = frame.name.replace(/@@.*$/, "").replace(/^\[?\w+\]?\s+/, "");
  return IDLE_LEAF.test(frame.name) || IDLE_LEAF.test(bare);
}

function isLogging(frame: Frame): boolean {
  if (frame.type !== "JS") return false;
  if (LOGGING_FILE.test(frame.name)) return true;
  return LOGGING_FN.test(splitJsName(frame.name).fn.replace(/^.*\./, ""));
}

/**
 * The category of one sample, from its VM state (V8 samples; null for other profilers) and its
 * stack, leaf first. Precedence: idle, the profiler's own log writing, GC, logging anywhere in the stack, JSON anywhere in the
 * stack, compiling, then the owner of the leaf (builtins and stubs belong to the nearest JS frame).
 */
export function categorize(vmState: number | null, stack: Frame[]): Category {
  const leaf = stack[0];
  if (vmState === VM_STATE.IDLE || vmState === VM_STATE.ATOMICS_WAIT || isIdleLeaf(leaf)) return "idle";
  if (isProfilerLogWrite(vmState, stack)) return "profiler";
  if (vmState === VM_STATE.GC) return "gc";
  if (stack.some(isLogging)) return "logging";
  if (stack.some((f) => JSON_FRAME.test(f.name))) return "json";
  if (vmState === VM_STATE.PARSER || vmState === VM_STATE.BYTECODE_COMPILER || vmState === VM_STATE.COMPILER) return "runtime";
  return leafOwner(vmState, stack);
}

function leafOwner(vmState: number | null, stack: Frame[]): Category {
  const known = firstKnown(stack);
  // Unresolved native frames (a stripped binary): outside JS they are native work; inside JS they
  // are the runtime's C++ builtins working for the nearest known frame.
  if (known.skipped > 0 && (vmState === VM_STATE.EXTERNAL || vmState === null)) return "native-io";
  const leaf = known.frame;
  if (!leaf) return vmState === VM_STATE.EXTERNAL || vmState === null ? "native-io" : "runtime";
  if (leaf.type === "JS") return jsOwner(leaf.name);
  if (leaf.type === "CODE") {
    const js = stack.slice(known.index).find((f) => f.type === "JS");
    return js ? jsOwner(js.name) : "runtime";
  }
  // native code
  if (NATIVE_IO.test(leaf.name)) return "native-io";
  if (RUNTIME_NATIVE.test(leaf.name)) return "runtime";
  if (leaf.type === "SHARED_LIB" && /\.node$|lib(c|uv|pthread|ssl|crypto|sqlite3?)[.-]/.test(leaf.name)) return "native-io";
  // perf (no VM state): the kernel and the C library are native work and I/O, a language runtime's
  // library (an interpreter, a VM) is the runtime, anything else is the program's own code
  if (vmState === null) {
    if (/\[kernel\]$|\((libc|libpthread|libm|ld-linux|libuv|libssl|libcrypto|libz)[.-]/.test(leaf.name)) return "native-io";
    if (/\((libpython|libruby|libjvm|libperl|libphp|liblua|libnode|libv8|libmono|libcoreclr|libjulia)[\w.-]*\)$/.test(leaf.name)) return "runtime";
    return "application";
  }
  return vmState === VM_STATE.EXTERNAL ? "native-io" : "runtime";
}
