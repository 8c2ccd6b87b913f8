/**
 * Colour: whether to paint, and the paint. No imports, so `call-control --help` loads it without the rest.
 */

/**
 * The `FORCE_COLOR` values that turn colour on, as Node's own `util.styleText` and `tty` read them (Node 24):
 * set to one of these, colour is on even when not on a terminal, over `NO_COLOR` and `TERM=dumb`; set to any
 * other value (`0`, `false`, ...), colour is off even on a terminal. Node's reading, not force-color.org's
 * ("any non-empty value"), so the CLI and the Node tools an operator pipes it through agree.
 */
const FORCING = new Set(['', '1', 'true', '2', '3']);

/**
 * Colour only on a terminal, never with `NO_COLOR` set (https://no-color.org) or `--no-color`; `FORCE_COLOR`
 * (read as Node reads it) decides before either but the flag, since the command line is the operator's latest word.
 */
export const colourEnabled = (stream: NodeJS.WriteStream, noColorFlag = false): boolean => {
  if (noColorFlag) return false;
  const forced = process.env.FORCE_COLOR;
  if (forced !== undefined) return FORCING.has(forced);
  return stream.isTTY === true && (process.env.NO_COLOR ?? '') === '' && process.env.TERM !== 'dumb';
};

export interface Paint {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
}

const sgr = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const plain = (text: string) => text;

export const paint = (enabled: boolean): Paint =>
  enabled
    ? { bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39) }
    : { bold: plain, dim: plain, red: plain, green: plain, yellow: plain };
