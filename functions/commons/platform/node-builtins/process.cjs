// Bundle-time stand-in for `node:process` (see BUILTIN_ALIAS in infra/runtime.ts): the module object itself,
// without the ESM facade whose creation reads every export, lazy ones included.
module.exports = process.getBuiltinModule('node:process');
