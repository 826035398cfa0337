/**
 * A process stopped for the window (SIGSTOP, a debugger, `kill -TSTP`) reads as 0% CPU and no
 * wake-ups: true figures of a stopped process, which must not read as an idle one. One sentence
 * per such process, for the result's problems.
 */
import type { Track } from "../sample/sampler.js";

export function stoppedNotes(tracks: ReadonlyMap<string, Track>, who: (key: string) => string): string[] {
  const out: string[] = [];
  for (const [key, track] of tracks) {
    const start = track.readings.findIndex((r) => r.mark === "start");
    if (start < 0) continue;
    const window = track.readings.slice(start).filter((r) => r.snap.alive);
    const stopped = window.filter((r) => /^[Tt]$/.test(r.snap.members[0]?.state ?? ""));
    if (stopped.length === 0) continue;
    const when = stopped.length === window.length ? "at every reading of the window" : `at ${stopped.length} of ${window.length} readings of the window`;
    out.push(`${who(key)} was stopped (state T: SIGSTOP, a debugger or job control) ${when}: its figures are those of a stopped process, not of an idle one`);
  }
  return out;
}
