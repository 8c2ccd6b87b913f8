import { mapStacksLazily } from './source-mapped-stacks.ts';

/**
 * The first import of every handler. In a function bundle (the bundler replaces `process.env.CALL_CONTROL_BUNDLED`
 * with "true": infra/runtime.ts) `import.meta.url` is the bundle's own URL, and its stack traces are mapped
 * through its source map from here on, before any other module runs; outside a bundle (tests, `npm start`)
 * the sources run as they are and nothing is installed.
 */
if (process.env.CALL_CONTROL_BUNDLED === 'true') mapStacksLazily(import.meta.url);
