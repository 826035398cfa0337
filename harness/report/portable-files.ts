/**
 * Make report files already written (committed before paths were made portable) forwardable: the
 * same rewriting as a fresh run's (portable-paths.ts), each file's own folder standing for its run
 * folder, and markdown links to files that are not beside the report (logs not committed) turned
 * into plain text. Usage: node dist/harness/report/portable-files.js <folder> <the checkout the
 * files were written in, e.g. /work/main>
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { homedir, tmpdir } from "node:os";
import { portableValue, type PathBases } from "./portable-paths.js";

/** `[server.log](logs/server.log)` → `server.log (not kept)` when logs/server.log is not there. */
export function unlinkMissing(markdown: string, exists: (target: string) => boolean): string {
  return markdown.replace(/\[([^\]]*)\]\(([^)\s]+)\)/g, (m, text: string, target: string) => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("#")) return m;
    return exists(decodeURI(target.split("#")[0] as string)) ? m : `${text} (not kept)`;
  });
}

export function makeFilesPortable(folder: string, origin: string, repoRoot = process.cwd()): string[] {
  const changed: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      if (statSync(file).isDirectory()) {
        walk(file);
        continue;
      }
      if (!/\.(md|json|svg)$/.test(name)) continue;
      const here = dirname(file);
      const bases: PathBases = { outDir: join(origin, relative(repoRoot, here)), cwd: origin, packageRoot: origin, home: homedir(), tmp: tmpdir(), execPath: process.execPath };
      const before = readFileSync(file, "utf8");
      let after = portableValue(before, bases);
      if (name.endsWith(".md")) after = unlinkMissing(after, (t) => existsSync(resolve(here, t)));
      if (after !== before) {
        writeFileSync(file, after);
        changed.push(file);
      }
    }
  };
  walk(resolve(folder));
  return changed;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [folder, origin] = process.argv.slice(2);
  if (!folder || !origin) {
    process.stderr.write("harness: usage: node dist/harness/report/portable-files.js <folder> <checkout the files were written in>\n");
    process.exit(2);
  }
  const changed = makeFilesPortable(folder, origin);
  process.stdout.write(`${changed.length} file(s) rewritten\n`);
}
