/**
 * Maps a profiled file:line back to the source the engineer edits: through the compiled file's
 * source map when there is one (node:module's SourceMap, no library needed), then relative to the
 * package root when inside it.
 */
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export type Locate = (file: string, line: number, column: number) => { file: string; line: number };

export function sourceLocator(root: string): Locate {
  const maps = new Map<string, SourceMap | null>();
  const mapOf = (file: string): SourceMap | null => {
    if (maps.has(file)) return maps.get(file) ?? null;
    let map: SourceMap | null = null;
    const mapFile = `${file}.map`;
    try {
      if (existsSync(mapFile)) map = new SourceMap(JSON.parse(readFileSync(mapFile, "utf8")) as ConstructorParameters<typeof SourceMap>[0]);
    } catch {
      map = null; // a broken map: keep the compiled location
    }
    maps.set(file, map);
    return map;
  };
  const show = (file: string): string => {
    if (!isAbsolute(file)) return file;
    const rel = relative(root, file);
    return rel.startsWith("..") ? file : rel;
  };
  return (rawFile, line, column) => {
    const file = rawFile.startsWith("file://") ? fileURLToPath(rawFile) : rawFile;
    if (isAbsolute(file) && file.endsWith(".js")) {
      const map = mapOf(file);
      const entry = map?.findEntry(line - 1, Math.max(0, column - 1));
      if (entry && "originalSource" in entry && entry.originalSource) {
        const src = entry.originalSource.startsWith("file://") ? fileURLToPath(entry.originalSource) : resolve(dirname(file), entry.originalSource);
        return { file: show(src), line: entry.originalLine + 1 };
      }
    }
    return { file: show(file), line };
  };
}
