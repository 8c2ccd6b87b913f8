// node:process is the global `process` (infra/runtime.ts): no facade, and no module to load.
module.exports = process;
