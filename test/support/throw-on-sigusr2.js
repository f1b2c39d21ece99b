// Preloaded (`node -r`) into a real server by test/e2e/process-exit.e2e-spec.ts: SIGUSR2 makes the
// process throw an uncaught exception, so the test can check what the fatal-error path writes.
process.on('SIGUSR2', () => {
  setImmediate(() => {
    throw new Error('deliberate uncaught error from the exit-path test');
  });
});
