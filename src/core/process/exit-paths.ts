import type { LoggerService } from '@nestjs/common';

export const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Exit codes of a process ended by a signal, as a shell reports them (128 + the signal number). */
const SIGNAL_EXIT_CODES: Record<(typeof SHUTDOWN_SIGNALS)[number], number> = { SIGINT: 130, SIGTERM: 143 };

/** How long a graceful shutdown may take before the process ends anyway. */
export const SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * Nest's shutdown hooks (`enableShutdownHooks`) close the app on SIGINT/SIGTERM, remove their
 * listener and send the signal again, which kills the process before pino's exit-time flush, so
 * the last requests' lines were lost. This listener, placed before Nest's, leaves the first signal
 * to Nest and takes the re-sent one (or a second Ctrl-C): it flushes the logs and exits with the
 * signal's code. A shutdown that hangs ends, flushed, after `SHUTDOWN_TIMEOUT_MS`.
 */
export function flushLogsOnSignals(flush: () => void, timeoutMs = SHUTDOWN_TIMEOUT_MS): void {
  for (const signal of SHUTDOWN_SIGNALS) {
    const onSignal = (): void => {
      const nestStillListening = process.listenerCount(signal) > 1;
      if (nestStillListening) {
        setTimeout(() => {
          flush();
          process.exit(SIGNAL_EXIT_CODES[signal]);
        }, timeoutMs).unref();
        return;
      }
      flush();
      process.exit(SIGNAL_EXIT_CODES[signal]);
    };
    process.prependListener(signal, onSignal);
  }
}

/**
 * An uncaught exception or unhandled rejection is logged as one fatal line (message and stack,
 * through the same logger as everything else), the buffered lines are written, and the process
 * exits 1: its state is unknown, and a supervisor should restart it.
 */
export function exitOnFatalErrors(logger: LoggerService, flush: () => void): void {
  const die = (kind: string) => (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    logger.fatal?.(`${kind}: ${message}`, error instanceof Error ? error.stack : undefined);
    flush();
    process.exit(1);
  };
  process.on('uncaughtException', die('Uncaught exception'));
  process.on('unhandledRejection', die('Unhandled rejection'));
}
