/**
 * A small seeded pseudo-random generator (mulberry32), so a bootstrap gives the same interval for
 * the same data every time: a CI verdict must not flip on a re-run of the judgement alone.
 * Hand-written because it is eight lines and no installed library offers a seeded generator.
 */
export type Random = () => number;

/** Uniform numbers in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
