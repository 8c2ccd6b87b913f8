/**
 * The console's only way to make DOM: elements with text children (`textContent`, never `innerHTML`) and a
 * fixed set of attributes. Every value from SignalWire or an audit record goes through {@link visible} first,
 * so markup stays text and control characters (terminal escapes, bidi overrides) show as visible escapes.
 */

type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | EventListener | undefined>;

export { visible } from './text.ts';

/** An element with attributes (`on…` functions become listeners) and children appended as nodes or text. */
export const h = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] => {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (name === 'href' && !String(value).startsWith('#/')) throw new Error('only in-console links');
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element;
};

export const append = (parent: Node, ...children: Child[]): void => {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
};

/**
 * Redraws `parent` with `draw` without losing the keyboard's place: when focus was on an element with a
 * `data-focus-key` inside it, the redrawn element with the same key gets it back (else the page's main region,
 * so focus never falls to the top of the document).
 */
export const redrawKeepingFocus = (parent: HTMLElement, draw: () => void): void => {
  const focused = document.activeElement as HTMLElement | null;
  const inside = focused !== null && parent.contains(focused);
  const key = inside ? focused.dataset.focusKey : undefined;
  draw();
  // Moving a kept element (insertBefore) blurs it although it stays in the page: it gets focus back too.
  if (!inside || document.activeElement === focused) return;
  const successor = focused.isConnected
    ? focused
    : key
      ? parent.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(key)}"]`)
      : null;
  (successor ?? document.getElementById('main'))?.focus({ preventScroll: true });
};

/** Replaces the children of `parent`. */
export const replace = (parent: Node, ...children: Child[]): void => {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, ...children);
};

/** The class of a cell holding `cell`, for the style: a SID's cell, or an action's (its button). */
const cellClass = (cell: Child): string | undefined =>
  cell instanceof HTMLButtonElement
    ? 'action'
    : cell instanceof Element && cell.classList.contains('sid')
      ? 'sid-cell'
      : undefined;

/** One row of a {@link table}: each cell names its column, for the narrow layout where rows stack as cards. */
export const tableRow = (head: string[], cells: Child[]): HTMLTableRowElement =>
  h(
    'tr',
    {},
    ...cells.map((cell, i) => h('td', { 'data-label': head[i] ?? '', class: cellClass(cell) }, cell)),
  );

/**
 * A table in a focusable scroll region (narrow screens scroll it sideways, keyboards can too). With `actions`, its
 * last column holds each row's action button and sticks to the region's right edge.
 */
export const table = (caption: string, head: string[], rows: Child[][], actions = false): HTMLElement =>
  h(
    'div',
    { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': caption },
    h(
      'table',
      {},
      h('caption', { class: 'sr-only' }, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...head.map((name, i) =>
            h('th', { scope: 'col', class: actions && i === head.length - 1 ? 'action' : undefined }, name),
          ),
        ),
      ),
      h('tbody', {}, ...rows.map((cells) => tableRow(head, cells))),
    ),
  );

/** A labelled form field. */
export const field = (label: string, input: HTMLInputElement | HTMLSelectElement): HTMLElement => {
  input.id ||= `f-${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input);
};

export const select = (name: string, options: Array<[string, string]>, value = ''): HTMLSelectElement => {
  const element = h('select', { name }, ...options.map(([v, text]) => h('option', { value: v }, text)));
  element.value = value;
  return element;
};

/** 75 → "1m 15s", 7322 → "2h 2m 2s"; "—" when unknown (a call whose times SignalWire did not give). */
export const duration = (seconds: number): string => {
  if (!Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.floor(seconds));
  const parts = [
    [Math.floor(s / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'm'],
    [s % 60, 's'],
  ] as const;
  const first = parts.findIndex(([n]) => n > 0);
  return first < 0
    ? '0s'
    : parts
        .slice(first)
        .map(([n, unit]) => `${n}${unit}`)
        .join(' ');
};

const alertRegion = (): HTMLElement => document.getElementById('alert') as HTMLElement;

/** Shows a message to the operator (or clears it). */
export const announce = (message: string | undefined): void => {
  replace(alertRegion(), message ? h('p', {}, message) : null);
};
