/** CPU over time as a terminal chart (asciichart), one series per role. */
import asciichart from "asciichart";
import type { RunResult, Role } from "../analyze/result-types.js";

export const ROLE_COLOURS: Record<Role, string> = { server: "blue", worker: "red", load: "green", database: "magenta" };

/** Per-role CPU series summed over processes, aligned on the samples' times. */
export function roleSeries(result: RunResult): { role: Role; values: number[] }[] {
  const out: { role: Role; values: number[] }[] = [];
  for (const role of ["server", "database", "worker", "load"] as Role[]) {
    const procs = result.processes.filter((p) => p.role === role && p.samples.length > 0);
    if (procs.length === 0) continue;
    const byT = new Map<number, number>();
    for (const p of procs) for (const s of p.samples) byT.set(s.t, (byT.get(s.t) ?? 0) + s.cpuPercent);
    out.push({ role, values: [...byT.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v) });
  }
  return out;
}

/** One small chart per role (series drawn on one plot are indistinguishable without colour). */
export function asciiCpuChart(result: RunResult, opts: { colour?: boolean; height?: number; width?: number } = {}): string {
  const series = roleSeries(result);
  if (series.length === 0) return "(no samples)";
  const width = opts.width ?? 72;
  const colours = { blue: asciichart.blue, red: asciichart.red, green: asciichart.green, magenta: asciichart.magenta } as Record<string, asciichart.Color>;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  return series
    .map((s) => {
      const chart = asciichart.plot(resample(s.values, width), {
        height: opts.height ?? 6,
        min: 0,
        max,
        format: (x: number) => `${x.toFixed(1).padStart(6)}% `,
        colors: opts.colour ? [colours[ROLE_COLOURS[s.role]]] : undefined,
      });
      return `${s.role} CPU (% of one core), ${result.window.durationS} s window\n${chart}`;
    })
    .join("\n\n");
}

function resample(values: number[], width: number): number[] {
  if (values.length <= width) return values;
  const out: number[] = [];
  for (let i = 0; i < width; i++) {
    const a = Math.floor((i * values.length) / width);
    const b = Math.max(a + 1, Math.floor(((i + 1) * values.length) / width));
    const slice = values.slice(a, b);
    out.push(slice.reduce((x, y) => x + y, 0) / slice.length);
  }
  return out;
}
