/**
 * Every test file starts without the caller's terminal settings (a `setupFiles` entry of the vitest configs): a
 * run from a shell or CI that exports COLUMNS, LINES, NO_COLOR, FORCE_COLOR or TERM=dumb would otherwise wrap the
 * CLI's help and tables, or colour them, in the CLI processes the tests start (`{ ...process.env }`) and in the
 * help the unit tests render. A test that wants one of them sets it on the child it starts.
 */
for (const name of ['COLUMNS', 'LINES', 'NO_COLOR', 'FORCE_COLOR', 'TERM']) delete process.env[name];
