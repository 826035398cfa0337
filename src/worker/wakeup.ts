/**
 * Wake-ups for a worker's notify loops: a notification for the worker's queue ends the wait of
 * every waiting loop at once. One that arrives while no loop waits (a poll is in flight) is kept,
 * so the next empty poll is followed by another poll at once instead of by the fallback timer.
 */
export class Wakeups {
  private readonly waiting = new Set<() => void>();
  private pending = false;

  /** A notification for my queue arrived. */
  notify(): void {
    if (this.waiting.size === 0) this.pending = true;
    for (const wake of [...this.waiting]) wake();
  }

  /** A poll is being sent: it will see every job announced so far. */
  pollStarted(): void {
    this.pending = false;
  }

  /** Wait for a notification or `fallbackMs`; true when a notification ended the wait. */
  wait(fallbackMs: number, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.pending) {
        this.pending = false;
        return resolve(true);
      }
      if (signal.aborted) return resolve(false);
      const finish = (woken: boolean): void => {
        this.waiting.delete(wake);
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        resolve(woken);
      };
      const wake = (): void => finish(true);
      const onAbort = (): void => finish(false);
      const timer = setTimeout(() => finish(false), fallbackMs);
      this.waiting.add(wake);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}
