import type { Page } from 'playwright-core';

/** One piece of text the operator cannot read where the browser shows it. */
export interface HiddenText {
  /** The column's name (the header's text, or the cell's `data-label`). */
  column: string;
  text: string;
  why: string;
}

/**
 * Runs in the page (as source, since this project's tests are type-checked without the DOM library). For every line
 * box of text in every cell of every table but the action column: scrolls the table sideways to where that box ends
 * at the sticky action column's left edge (or the table's right edge when nothing sticks), as far as the table
 * scrolls, and checks the box is then inside the table's visible part and clear of the sticky cell of its row: what
 * the action column covers must be reachable by scrolling. A duration's text must also fit its own fixed-size box,
 * and a phone number must be one line.
 */
const MEASURE = `(() => {
  const hidden = [];
  const TOLERANCE = 0.5;
  const round = (n) => Math.round(n);
  for (const region of document.querySelectorAll('main .scroll')) {
    const table = region.querySelector('table');
    if (!table) continue;
    region.scrollIntoView({ block: 'start' });
    const headClipped = getComputedStyle(table.tHead).position === 'absolute';
    const names = [...table.tHead.rows[0].cells].map((th) => th.textContent);
    const rows = [...(headClipped ? [] : table.tHead.rows), ...table.tBodies[0].rows];
    for (const row of rows) {
      const cells = [...row.cells];
      const last = cells[cells.length - 1];
      const sticky = getComputedStyle(last).position === 'sticky';
      for (const cell of sticky ? cells.slice(0, -1) : cells) {
        const column = names[cell.cellIndex] ?? '?';
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          if (!node.textContent.trim()) continue;
          const text = node.textContent.slice(0, 40);
          const range = document.createRange();
          range.selectNodeContents(node);
          if (/^\\+?[0-9]{1,16}$/.test(node.textContent) && range.getClientRects().length !== 1)
            hidden.push({ column, text, why: 'a phone number broken over ' + range.getClientRects().length + ' lines' });
          const count = range.getClientRects().length;
          for (let i = 0; i < count; i++) {
            region.scrollLeft = 0;
            const first = range.getClientRects()[i];
            if (first.width === 0) continue;
            const view = region.getBoundingClientRect();
            const edge = sticky ? last.getBoundingClientRect().left : view.left + region.clientLeft + region.clientWidth;
            region.scrollLeft = Math.max(0, first.right - edge);
            const box = range.getClientRects()[i];
            const left = Math.max(view.left + region.clientLeft, 0);
            const right = Math.min(view.left + region.clientLeft + region.clientWidth, document.documentElement.clientWidth);
            const where = round(box.left) + '-' + round(box.right) + ' at scroll ' + round(region.scrollLeft);
            if (box.left < left - TOLERANCE || box.right > right + TOLERANCE)
              hidden.push({ column, text, why: 'outside the visible part of the table (' + where + ', visible ' + round(left) + '-' + round(right) + ')' });
            const cover = sticky ? last.getBoundingClientRect() : undefined;
            if (cover && box.right > cover.left + TOLERANCE && box.left < cover.right - TOLERANCE)
              hidden.push({ column, text, why: 'under the sticky action column (' + where + ', under ' + round(cover.left) + '-' + round(cover.right) + ')' });
          }
        }
        for (const ticking of cell.querySelectorAll('.duration')) {
          if (ticking.scrollWidth > ticking.clientWidth)
            hidden.push({ column, text: ticking.textContent, why: 'wider than its box (' + ticking.scrollWidth + ' > ' + ticking.clientWidth + ')' });
        }
      }
    }
    region.scrollLeft = 0;
  }
  window.scrollTo(0, 0);
  return hidden;
})()`;

/** {@link hiddenTableText}'s page script, for a driver other than playwright-core's. */
export const HIDDEN_TABLE_TEXT = MEASURE;

/** Every piece of table text in the page the operator cannot read where the browser scrolls it into view. */
export const hiddenTableText = (page: Page): Promise<HiddenText[]> => page.evaluate(MEASURE);

/** Whether every table region in the page shows its whole width without scrolling sideways. */
export const tablesFit = (page: Page): Promise<boolean> =>
  page.evaluate(
    `[...document.querySelectorAll('main .scroll')].every((r) => r.scrollWidth <= r.clientWidth)`,
  );

/**
 * Runs in the page (as source, for any driver): what of the open dialog the operator cannot see or reach without
 * sideways scrolling. The page and the dialog must not scroll sideways; the dialog and every box and line of text in
 * it must lie inside the window's width, and a line of text inside its own box (a value's box may scroll down, never
 * sideways); each button's text must fit its button. Scrolling down (the dialog's own, or a value's) is allowed.
 */
export const DIALOG_OVERFLOW = `(() => {
  const found = [];
  const TOLERANCE = 0.5;
  const width = document.documentElement.clientWidth;
  const dialog = document.querySelector('dialog[open]');
  if (!dialog) return ['no open dialog'];
  if (document.documentElement.scrollWidth > width) found.push('the page scrolls sideways (' + document.documentElement.scrollWidth + ' > ' + width + ')');
  if (dialog.scrollWidth > dialog.clientWidth) found.push('the dialog scrolls sideways (' + dialog.scrollWidth + ' > ' + dialog.clientWidth + ')');
  const inside = (what, box, left, right) => {
    if (box.width > 0 && (box.left < left - TOLERANCE || box.right > right + TOLERANCE))
      found.push(what + ' at ' + Math.round(box.left) + '-' + Math.round(box.right) + ', outside ' + Math.round(left) + '-' + Math.round(right));
  };
  const frame = dialog.getBoundingClientRect();
  inside('the dialog', frame, 0, width);
  for (const element of dialog.querySelectorAll('*')) {
    const name = element.tagName.toLowerCase() + ' "' + element.textContent.slice(0, 20) + '"';
    inside(name, element.getBoundingClientRect(), frame.left, frame.right);
    if (element.scrollWidth > element.clientWidth && getComputedStyle(element).overflowX !== 'visible')
      found.push(name + ' scrolls sideways (' + element.scrollWidth + ' > ' + element.clientWidth + ')');
    if (element.tagName === 'BUTTON' && element.scrollWidth > element.clientWidth)
      found.push(name + ': its text is wider than the button');
  }
  const walker = document.createTreeWalker(dialog, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const box = node.parentElement.getBoundingClientRect();
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const line of range.getClientRects()) inside('text "' + node.textContent.slice(0, 20) + '"', line, box.left, box.right);
  }
  return found;
})()`;
