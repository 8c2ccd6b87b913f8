// node:fs/promises as `require` returns it, without the ESM facade an `import` builds (infra/runtime.ts).
module.exports = process.getBuiltinModule('node:fs/promises');
