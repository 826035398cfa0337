/**
 * Ctrl-C and SIGTERM: the first asks the run to stop cleanly (every process group it started is
 * stopped and a partial report is written); a second kills everything at once and exits.
 */
export interface SignalHandle {
  signal: AbortSignal;
  exitCode(): number;
  registerKill(kill: () => void): void;
  dispose(): void;
}

export function installSignalHandlers(): SignalHandle {
  const controller = new AbortController();
  const kills: (() => void)[] = [];
  let received: NodeJS.Signals | undefined;
  const killAll = (): void => {
    for (const k of kills) {
      try {
        k();
      } catch {
        // keep killing the rest
      }
    }
  };
  const code = (): number => (received === "SIGTERM" ? 143 : received === "SIGHUP" ? 129 : 130);
  const onSignal = (sig: NodeJS.Signals): void => {
    if (received) {
      process.stderr.write(`\nharness: second ${sig}: killing every process of the run now\n`);
      killAll();
      process.exit(code());
    }
    received = sig;
    process.stderr.write(`\nharness: ${sig} received: stopping the run (again to kill at once)\n`);
    controller.abort();
  };
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const s of signals) process.on(s, onSignal);
  process.on("exit", killAll);
  return {
    signal: controller.signal,
    exitCode: code,
    registerKill: (k) => kills.push(k),
    dispose: () => {
      for (const s of signals) process.off(s, onSignal);
      process.off("exit", killAll);
    },
  };
}
