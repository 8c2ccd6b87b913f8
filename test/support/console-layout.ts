import type { Page } from 'playwright-core';

/** One piece of text the operator cannot read where the browser shows it. */
export interface HiddenText {
  /** The column's name (the header's text, or the cell's `data-label`). */
  column: string;
  text: string;
  why: string;
}

/**
 * Runs in the page (as source, since this project's tests are type-checked without the DOM library). For every
 * cell of every table but the action column: scrolls the cell into view the way the browser does for the keyboard
 * and find-in-page (`scrollIntoView`, nearest edge), then measures each line box of its text (a Range's client
 * rects) against the table's visible region, and against the sticky action cell of the same row when that column
 * sticks. A duration's text must also fit its own fixed-size box.
 */
const MEASURE = `(() => {
  const hidden = [];
  const TOLERANCE = 0.5;
  for (const region of document.querySelectorAll('main .scroll')) {
    const table = region.querySelector('table');
    if (!table) continue;
    const headClipped = getComputedStyle(table.tHead).position === 'absolute';
    const names = [...table.tHead.rows[0].cells].map((th) => th.textContent);
    const rows = [...(headClipped ? [] : table.tHead.rows), ...table.tBodies[0].rows];
    for (const row of rows) {
      const cells = [...row.cells];
      const last = cells[cells.length - 1];
      const sticky = getComputedStyle(last).position === 'sticky';
      for (const cell of sticky ? cells.slice(0, -1) : cells) {
        const column = names[cell.cellIndex] ?? '?';
        cell.scrollIntoView({ block: 'nearest', inline: 'nearest' });
        const view = region.getBoundingClientRect();
        const left = Math.max(view.left + region.clientLeft, 0);
        const right = Math.min(view.left + region.clientLeft + region.clientWidth, document.documentElement.clientWidth);
        const cover = sticky ? last.getBoundingClientRect() : undefined;
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          if (!node.textContent.trim()) continue;
          const range = document.createRange();
          range.selectNodeContents(node);
          for (const box of range.getClientRects()) {
            if (box.width === 0) continue;
            const text = node.textContent.slice(0, 40);
            if (box.left < left - TOLERANCE || box.right > right + TOLERANCE)
              hidden.push({ column, text, why: 'outside the visible part of the table (' + Math.round(box.left) + '-' + Math.round(box.right) + ' of ' + Math.round(left) + '-' + Math.round(right) + ')' });
            if (cover && box.right > cover.left + TOLERANCE && box.left < cover.right - TOLERANCE)
              hidden.push({ column, text, why: 'under the sticky action column (' + Math.round(box.left) + '-' + Math.round(box.right) + ' under ' + Math.round(cover.left) + '-' + Math.round(cover.right) + ')' });
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

/** Every piece of table text in the page the operator cannot read where the browser scrolls it into view. */
export const hiddenTableText = (page: Page): Promise<HiddenText[]> => page.evaluate(MEASURE);

/** Whether every table region in the page shows its whole width without scrolling sideways. */
export const tablesFit = (page: Page): Promise<boolean> =>
  page.evaluate(
    `[...document.querySelectorAll('main .scroll')].every((r) => r.scrollWidth <= r.clientWidth)`,
  );
