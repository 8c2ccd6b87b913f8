/**
 * Bench only, never shipped: `@middy/core` and every `@middy/*` middleware replaced by a stand-in that runs the
 * handler alone, for the cold-start ablation rows (bench/ablation.ts). `.use()` keeps nothing, so no middleware
 * of the chain runs (Powertools context and metrics flush, header and event normalisers, body parsers, the
 * request guard, the validator, the error answers); the handler gets `(event, context, { signal })` as middy
 * gives it. It answers the bench's well-formed terminate as the function does; any other request it would not.
 */
type Handler = (event: unknown, context: unknown, options: { signal: AbortSignal }) => unknown;

interface Chain {
  (event: unknown, context: unknown): Promise<unknown>;
  use(middleware: unknown): Chain;
  before(middleware: unknown): Chain;
  after(middleware: unknown): Chain;
  onError(middleware: unknown): Chain;
  handler(handler: Handler): Chain;
}

const middy = (first?: Handler | object): Chain => {
  let run: Handler = typeof first === 'function' ? (first as Handler) : () => undefined;
  const chain = (async (event: unknown, context: unknown) =>
    run(event, context, { signal: new AbortController().signal })) as Chain;
  chain.use = () => chain;
  chain.before = () => chain;
  chain.after = () => chain;
  chain.onError = () => chain;
  chain.handler = (handler) => {
    run = handler;
    return chain;
  };
  return chain;
};

export default middy;
export { middy };

/** What each `@middy/*` middleware factory becomes: a middleware the stand-in's `.use()` drops. */
export const dropped = (): object => ({});
