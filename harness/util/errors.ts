/** Bad usage or bad input: exit code 2, one clear message, nothing started. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The run itself failed (a process died, a server never became ready): exit code 1. */
export class RunError extends Error {
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = "RunError";
  }
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError || err instanceof RunError) return err.exitCode;
  return 1;
}
