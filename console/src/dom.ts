/**
 * The console's only way to make DOM: elements with text children (`textContent`, never `innerHTML`) and a
 * fixed set of attributes. Every value from SignalWire or an audit record goes through {@link visible} first,
 * so markup stays text and control characters (terminal escapes, bidi overrides) show as visible escapes.
 */

type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | EventListener | undefined>;

import { visible } from './text.ts';

export { visible };

/**
 * A value from outside as a piece of a sentence: made visible, and isolated (`<bdi>`, its direction its own), so an
 * Arabic or Hebrew name or message cannot carry the words, numbers or brackets around it into its own order.
 */
export const outside = (text: unknown): HTMLElement => h('bdi', {}, visible(text));

/** Words of the console's own chosen at run time (`Ending`, `was not ended`): in a {@link says} sentence, not isolated. */
class OwnWords {
  constructor(readonly text: string) {}
}

/** Marks the console's own words for {@link says}: they stay in the sentence's direction, outside any `<bdi>`. */
export const own = (text: string): OwnWords => new OwnWords(text);

/**
 * A sentence of the console's with values in it: `says\`Call ${sid} was not ended: ${message}.\``. Each value is
 * {@link outside} (visible, isolated), save the console's own words marked {@link own}; the words around them are
 * the console's own.
 */
export const says = (words: TemplateStringsArray, ...values: unknown[]): DocumentFragment => {
  const sentence = document.createDocumentFragment();
  words.forEach((word, at) => {
    if (word) sentence.append(word);
    if (at >= values.length) return;
    const value = values[at];
    sentence.append(value instanceof OwnWords ? value.text : outside(value));
  });
  return sentence;
};

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

/** A focus key's kind, its first word: `end` of `end CA…`, the same control in another row. */
const kindOf = (key: string | undefined): string | undefined => key?.split(' ', 1)[0];

/**
 * Where the keyboard is in `scope` (`focused`, inside it), kept so that after a redraw {@link KeyboardPlace.restore}
 * can give it a place back: the element itself, when the redraw kept it; else the redrawn element with its focus key
 * (the same row's button); else, when it left, the nearest control of its kind after it (the next row's End button
 * when its row left the list), else before it (the row above, when it was the last), else the nearest control with
 * a focus key at all; else the page's main region, so focus never falls to the top of the document.
 */
export const keyboardPlace = (focused: HTMLElement, scope: ParentNode) => {
  // Only the elements now (a look at each key waits until one is needed: thousands of rows keep their focus key).
  const before = [...scope.querySelectorAll<HTMLElement>('[data-focus-key]')];
  const at = before.indexOf(focused);
  const restore = (): void => {
    if (focused.isConnected) {
      // Moving a kept element (insertBefore) blurs it although it stays in the page.
      if (document.activeElement !== focused) focused.focus({ preventScroll: true });
      return;
    }
    const now = new Map<string, HTMLElement>();
    for (const element of scope.querySelectorAll<HTMLElement>('[data-focus-key]')) {
      const key = element.dataset.focusKey;
      if (key !== undefined && !now.has(key)) now.set(key, element);
    }
    const key = focused.dataset.focusKey;
    const kind = kindOf(key);
    const after = at < 0 ? [] : before.slice(at + 1);
    const above = at < 0 ? [] : before.slice(0, at).reverse();
    const ofKind = (element: HTMLElement) => kindOf(element.dataset.focusKey) === kind;
    const candidates = [
      ...(key === undefined ? [] : [key]),
      ...[...after.filter(ofKind), ...above.filter(ofKind), ...after, ...above].map(
        (element) => element.dataset.focusKey,
      ),
    ];
    let successor: HTMLElement | undefined;
    for (const candidate of candidates) {
      successor = candidate === undefined ? undefined : now.get(candidate);
      if (successor) break;
    }
    (successor ?? document.getElementById('main'))?.focus({ preventScroll: true });
  };
  return { restore };
};
export type KeyboardPlace = ReturnType<typeof keyboardPlace>;

/**
 * Redraws `parent` with `draw` without losing the keyboard's place: when focus was inside it, it goes where
 * {@link keyboardPlace} says (the same element or row, else the next row's control of the same kind).
 */
export const redrawKeepingFocus = (parent: HTMLElement, draw: () => void): void => {
  const focused = document.activeElement as HTMLElement | null;
  const place = focused !== null && parent.contains(focused) ? keyboardPlace(focused, parent) : undefined;
  draw();
  place?.restore();
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
 * Makes a table's scroll region a Tab stop only while it scrolls (its table is wider or taller than its visible
 * part), so the arrow keys can scroll it; a region that cannot scroll would be one useless stop per table. Checked
 * whenever the region or its table changes size: a resized window, a new default font size, rows drawn or removed.
 * A region holding the focus keeps its stop until the focus leaves it.
 */
const tabStopWhileScrolling = (region: HTMLElement, content: HTMLElement): void => {
  const update = (): void => {
    const style = getComputedStyle(region);
    const scrolls =
      (style.overflowX !== 'visible' && region.scrollWidth > region.clientWidth) ||
      (style.overflowY !== 'visible' && region.scrollHeight > region.clientHeight);
    if (scrolls) region.tabIndex = 0;
    else if (document.activeElement !== region) region.removeAttribute('tabindex');
  };
  const observer = new ResizeObserver(update);
  observer.observe(region);
  observer.observe(content);
  region.addEventListener('blur', update);
};

/**
 * A table in a scroll region (narrow screens scroll it sideways; a keyboard can too: the region is a Tab stop while it
 * scrolls). A screen reader reads three names in turn, so each says something of its own: the region's (`name`, a
 * scroll area), the table's (`name`) and its caption (`caption`: the rows' order or what they are), which the table
 * takes as its description. With `actions`, its last column holds each row's action button and sticks to the region's
 * right edge.
 */
export const table = (
  name: string,
  caption: string,
  head: string[],
  rows: Child[][],
  actions = false,
): HTMLElement => {
  const region = h(
    'div',
    { class: 'scroll', role: 'region', 'aria-label': `${name}: scroll area` },
    h(
      'table',
      { 'aria-label': name },
      h('caption', { class: 'sr-only' }, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...head.map((column, i) =>
            h('th', { scope: 'col', class: actions && i === head.length - 1 ? 'action' : undefined }, column),
          ),
        ),
      ),
      h('tbody', {}, ...rows.map((cells) => tableRow(head, cells))),
    ),
  );
  tabStopWhileScrolling(region, region.firstElementChild as HTMLElement);
  return region;
};

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

/**
 * Shows a message to the operator (or clears it): a sentence with outside values in it is made by {@link says}.
 * Returns the line shown, so a passing message can be cleared only while it is still the one on screen.
 */
export const announce = (message: string | Node | undefined): HTMLElement | undefined => {
  const line = message ? h('p', {}, message) : undefined;
  replace(alertRegion(), line);
  return line;
};
