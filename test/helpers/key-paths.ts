/**
 * The shape of a result.json as a set of key paths (`processes[].wire.roundTripsPerS`): array
 * elements merged, values ignored. Maps keyed by data (params, labels, per-loop figures) are cut at
 * the map, since their keys are the run's values, not the format.
 */
const DATA_KEYED = new Set(["params", "labels", "byLoop", "loops", "byQueue", "evidence", "env"]);

export function keyPaths(value: unknown, prefix = "", out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) keyPaths(v, `${prefix}[]`, out);
    return out;
  }
  if (value === null || typeof value !== "object") return out;
  for (const [k, v] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${k}` : k;
    out.add(path);
    if (!DATA_KEYED.has(k)) keyPaths(v, path, out);
  }
  return out;
}
