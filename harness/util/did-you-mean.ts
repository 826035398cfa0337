/** "did you mean ...?" for a mistyped name: the closest candidates by edit distance, or nothing. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      prev[j] = Math.min(up + 1, (prev[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] as number;
}

/** The candidates within a third of the word's length (at least 1, at most 3 edits), closest first. */
export function closest(word: string, candidates: readonly string[]): string[] {
  const w = word.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(w.length / 3)));
  const scored = [...new Set(candidates)]
    .map((c) => ({ c, d: editDistance(w, c.toLowerCase()) }))
    .filter((x) => x.d <= limit || (w.length >= 3 && x.c.toLowerCase().startsWith(w)))
    .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c));
  return scored.slice(0, 3).map((x) => x.c);
}

/** " (did you mean "a" or "b"?)", or "" when nothing is close. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const c = closest(word, candidates);
  if (c.length === 0) return "";
  return ` (did you mean ${c.map((x) => `"${x}"`).join(" or ")}?)`;
}
