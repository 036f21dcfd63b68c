// The peer's side of the benchmark: the same saga as bench/sagas.ts fourSteps (four no-op
// steps, each with a compensation) as a Restate service, served over HTTP on the given port.
// The SDK needs Promise.withResolvers, which Node 20 lacks: polyfilled before it loads.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
const restate = await import('@restatedev/restate-sdk');
const { argv } = await import('node:process');

const noop = () => ({ ok: true });
const STEPS = ['one', 'two', 'three', 'four'];

const fourSteps = restate.service({
  name: 'FourSteps',
  handlers: {
    /** Runs the steps durably; on a terminal failure runs the compensations of the done ones in reverse. */
    run: async (ctx, input) => {
      const compensations = [];
      const results = {};
      try {
        for (const name of STEPS) {
          compensations.push(() => ctx.run(`compensate ${name}`, noop));
          results[name] = await ctx.run(name, noop);
        }
        return { status: 'Completed', n: input?.n ?? 0, results };
      } catch (error) {
        if (error instanceof restate.TerminalError) {
          for (const compensate of compensations.reverse()) await compensate();
        }
        throw error;
      }
    },
  },
});

const port = Number(argv[2] ?? 9080);
await restate.serve({ services: [fourSteps], port });
