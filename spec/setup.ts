/**
 * Loaded before every spec file: any unhandled rejection or uncaught
 * exception anywhere in the run fails it.
 */
const problems: unknown[] = [];

process.on("unhandledRejection", (reason) => {
  problems.push(reason);
  console.error("Unhandled rejection during the test run:", reason);
});

export const mochaHooks = {
  afterEach(this: Mocha.Context): void {
    if (problems.length > 0) {
      const first = problems.splice(0);
      throw new Error(`unhandled rejection(s) during this test: ${first.map(String).join("; ")}`);
    }
  },
};
