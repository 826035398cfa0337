/**
 * Small hand-written SVG charts that GitHub and any browser show inline from markdown: a line
 * chart of CPU over time per run and a bar chart (with min–max whiskers) per comparison.
 * Hand-written because a charting library would pull a DOM or canvas for ~150 lines of output;
 * every text is XML-escaped, so hostile names cannot break the file.
 */
import type { Role, RunResult } from "../analyze/result-types.js";

export interface LineSeries {
  name: string;
  colour: string;
  points: { x: number; y: number }[];
}

export interface BarGroup {
  label: string;
  bars: { series: string; value: number; min?: number; max?: number }[];
}

const FONT = 'font-family="-apple-system,Segoe UI,Helvetica,Arial,sans-serif" font-size="12"';
const ROLE_COLOURS: Record<Role, string> = { server: "#1f77b4", worker: "#d62728", load: "#2ca02c", database: "#9467bd" };
const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

export function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/** A round axis maximum at or above `v` (1, 2, 2.5, 5 x 10^k). */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmtTick(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(v < 1 ? 2 : 1);
}

function frame(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${xmlEscape(title)}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" ${FONT} font-weight="bold">${xmlEscape(title)}</text>`,
    ...body,
    "</svg>",
    "",
  ].join("\n");
}

function yAxis(x0: number, y0: number, w: number, h: number, yMax: number, unit: string): string[] {
  const out: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    const y = y0 + h - (h * i) / 4;
    out.push(`<line x1="${x0}" y1="${y.toFixed(1)}" x2="${x0 + w}" y2="${y.toFixed(1)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${x0 - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" ${FONT}>${xmlEscape(fmtTick(v) + unit)}</text>`);
  }
  out.push(`<line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y0 + h}" stroke="#333"/>`);
  out.push(`<line x1="${x0}" y1="${y0 + h}" x2="${x0 + w}" y2="${y0 + h}" stroke="#333"/>`);
  return out;
}

function legend(x: number, y: number, items: { name: string; colour: string }[]): string[] {
  return items.flatMap((it, i) => [
    `<rect x="${x + i * 110}" y="${y - 9}" width="10" height="10" fill="${it.colour}"/>`,
    `<text x="${x + i * 110 + 14}" y="${y}" ${FONT}>${xmlEscape(it.name)}</text>`,
  ]);
}

export function lineChartSvg(title: string, series: LineSeries[], opts: { xLabel?: string; yUnit?: string; width?: number; height?: number } = {}): string {
  const width = opts.width ?? 640;
  const height = opts.height ?? 300;
  const x0 = 60;
  const y0 = 34;
  const w = width - x0 - 20;
  const h = height - y0 - 62;
  const all = series.flatMap((s) => s.points);
  const xMax = Math.max(1, ...all.map((p) => p.x));
  const yMax = niceMax(Math.max(0, ...all.map((p) => p.y)));
  const px = (x: number): string => (x0 + (w * x) / xMax).toFixed(1);
  const py = (y: number): string => (y0 + h - (h * Math.max(0, y)) / yMax).toFixed(1);
  const body = yAxis(x0, y0, w, h, yMax, opts.yUnit ?? "");
  const step = niceMax(xMax / 5);
  for (let x = 0; x <= xMax + 1e-9; x += step) {
    body.push(`<text x="${px(x)}" y="${y0 + h + 16}" text-anchor="middle" ${FONT}>${xmlEscape(fmtTick(Math.round(x * 100) / 100))}</text>`);
  }
  if (opts.xLabel) body.push(`<text x="${x0 + w / 2}" y="${y0 + h + 32}" text-anchor="middle" ${FONT}>${xmlEscape(opts.xLabel)}</text>`);
  for (const s of series) {
    if (s.points.length === 0) continue;
    const d = s.points.map((p, i) => `${i === 0 ? "M" : "L"}${px(p.x)},${py(p.y)}`).join(" ");
    body.push(`<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="2"/>`);
  }
  body.push(...legend(x0, height - 8, series));
  return frame(width, height, title, body);
}

export function barChartSvg(title: string, groups: BarGroup[], opts: { yUnit?: string; width?: number; height?: number } = {}): string {
  const seriesNames = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.series)))];
  const colour = (s: string): string => PALETTE[seriesNames.indexOf(s) % PALETTE.length] as string;
  const width = opts.width ?? Math.max(420, 90 + groups.length * (seriesNames.length * 28 + 40));
  const height = opts.height ?? 300;
  const x0 = 60;
  const y0 = 34;
  const w = width - x0 - 20;
  const h = height - y0 - 56;
  const yMax = niceMax(Math.max(0, ...groups.flatMap((g) => g.bars.map((b) => Math.max(b.value, b.max ?? 0)))));
  const py = (y: number): number => y0 + h - (h * Math.max(0, y)) / yMax;
  const body = yAxis(x0, y0, w, h, yMax, opts.yUnit ?? "");
  const slot = w / Math.max(1, groups.length);
  const barW = Math.min(28, (slot - 16) / Math.max(1, seriesNames.length));
  groups.forEach((g, gi) => {
    const start = x0 + gi * slot + (slot - barW * g.bars.length) / 2;
    g.bars.forEach((b, bi) => {
      const x = start + bi * barW;
      const top = py(b.value);
      body.push(`<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(y0 + h - top).toFixed(1)}" fill="${colour(b.series)}"><title>${xmlEscape(`${g.label} ${b.series}: ${b.value.toFixed(2)}${opts.yUnit ?? ""}`)}</title></rect>`);
      if (b.min !== undefined && b.max !== undefined && b.max > b.min) {
        const cx = (x + (barW - 2) / 2).toFixed(1);
        body.push(`<path d="M${cx},${py(b.min).toFixed(1)} L${cx},${py(b.max).toFixed(1)} M${(x + 4).toFixed(1)},${py(b.max).toFixed(1)} L${(x + barW - 6).toFixed(1)},${py(b.max).toFixed(1)} M${(x + 4).toFixed(1)},${py(b.min).toFixed(1)} L${(x + barW - 6).toFixed(1)},${py(b.min).toFixed(1)}" stroke="#111" stroke-width="1.2" fill="none"/>`);
      }
    });
    const label = g.label.length > 22 ? `${g.label.slice(0, 21)}…` : g.label;
    body.push(`<text x="${(x0 + gi * slot + slot / 2).toFixed(1)}" y="${y0 + h + 16}" text-anchor="middle" ${FONT}>${xmlEscape(label)}</text>`);
  });
  body.push(...legend(x0, height - 10, seriesNames.map((s) => ({ name: s, colour: colour(s) }))));
  return frame(width, height, title, body);
}

/** CPU over time for one run: one line per role (processes of a role summed), from pidusage samples. */
export function cpuLineChartSvg(r: RunResult): string | null {
  const series: LineSeries[] = [];
  for (const role of ["server", "database", "worker", "load"] as Role[]) {
    const procs = r.processes.filter((p) => p.role === role && p.samples.length > 0);
    if (!procs.length) continue;
    const byT = new Map<number, number>();
    for (const p of procs) for (const s of p.samples) byT.set(s.t, (byT.get(s.t) ?? 0) + s.cpuPercent);
    const points = [...byT.entries()].sort((a, b) => a[0] - b[0]).map(([x, y]) => ({ x, y }));
    series.push({ name: `${role} CPU`, colour: ROLE_COLOURS[role], points });
  }
  if (!series.length) return null;
  return lineChartSvg(`${r.scenario.name}: CPU over time (% of one core)`, series, { xLabel: "seconds into the window", yUnit: "%" });
}
