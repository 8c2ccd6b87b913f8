import { PassThrough } from 'node:stream';
import { styleText } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { colourEnabled } from '../../cli/core/terminal.ts';

const saved = {
  FORCE_COLOR: process.env.FORCE_COLOR,
  NO_COLOR: process.env.NO_COLOR,
  TERM: process.env.TERM,
};

afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const setEnv = (values: Record<string, string | undefined>) => {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
};

const pipe = () => new PassThrough() as unknown as NodeJS.WriteStream;
const terminal = () => Object.assign(new PassThrough(), { isTTY: true }) as unknown as NodeJS.WriteStream;

describe('colour: FORCE_COLOR read as Node reads it', () => {
  it('agrees with Node’s util.styleText on piped output for every FORCE_COLOR value, NO_COLOR set or not', () => {
    for (const forced of ['', '1', 'true', '2', '3', '0', 'false', 'yes', 'always']) {
      for (const noColor of [undefined, '1']) {
        setEnv({ FORCE_COLOR: forced, NO_COLOR: noColor, TERM: 'xterm' });
        const stream = pipe();
        const node = styleText('red', 'x', { stream, validateStream: true }) !== 'x';
        expect(colourEnabled(stream), `FORCE_COLOR=${JSON.stringify(forced)} NO_COLOR=${noColor}`).toBe(node);
      }
    }
  });

  it('forces colour off a terminal and over NO_COLOR and TERM=dumb, but never over --no-color', () => {
    setEnv({ FORCE_COLOR: '1', NO_COLOR: '1', TERM: 'dumb' });
    expect(colourEnabled(pipe())).toBe(true);
    expect(colourEnabled(pipe(), true)).toBe(false);
  });

  it('turns colour off on a terminal with FORCE_COLOR=0, and keeps the terminal rule when it is unset', () => {
    setEnv({ FORCE_COLOR: '0', NO_COLOR: undefined, TERM: 'xterm' });
    expect(colourEnabled(terminal())).toBe(false);
    setEnv({ FORCE_COLOR: undefined });
    expect(colourEnabled(terminal())).toBe(true);
    expect(colourEnabled(pipe())).toBe(false);
    setEnv({ NO_COLOR: '1' });
    expect(colourEnabled(terminal())).toBe(false);
  });
});
