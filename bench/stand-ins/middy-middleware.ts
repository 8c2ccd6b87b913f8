/**
 * Bench only, never shipped: what each `@middy/*` middleware package (normalisers, body parsers,
 * router) becomes in the no-middy ablation bundle (bench/ablation.ts): a factory of a middleware that the
 * stand-in `@middy/core` (./middy.ts) drops. The router's fallback is never reached by the bench's event (API
 * Gateway's route key is matched first); it would fail if it were.
 */
const dropped = (..._options: unknown[]): object => ({});
export default dropped;
