export interface BenchOutput {
  /** figures, written as JSON */
  figures: Record<string, unknown>;
  /** the markdown body (tables, the verdict against each target) */
  markdown: string;
  /** true when every target was met */
  targetsMet: boolean;
}

export interface Benchmark {
  name: string;
  description: string;
  run(): Promise<BenchOutput>;
}
