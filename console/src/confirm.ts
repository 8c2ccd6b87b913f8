import { h, keyboardPlace, outside } from './dom.ts';

/** Every confirmation open now: a route change cancels them, so none outlives the page it was asked on. */
const open = new Set<HTMLDialogElement>();

/** Which page the operator is on: a new number each time a route change cancels the confirmations. */
let visit = 0;

/** The page the operator is on now: a press remembers it, and opens its confirmation only while it is the same. */
export const currentVisit = (): number => visit;

/**
 * Cancels every open confirmation (nothing is sent for them), and every one still to open: a press whose lock check
 * answers after this opens nothing.
 */
export const cancelConfirmations = (): void => {
  visit += 1;
  for (const dialog of open) dialog.close('cancel');
};

/**
 * A modal confirmation: the title, the facts that name what will change (each outside value in its own labelled
 * cell, so no value can read as part of the console's sentence), the console's own lines, an optional input, and
 * the button that does it. Resolves true (with the input's value) only on that button; Enter in the input presses
 * it (after the input's own checks), Escape and Cancel (or `dismiss`) do not.
 */
export const confirmAction = (options: {
  title: string;
  facts?: Array<[string, string]>;
  lines: string[];
  action: string;
  /**
   * The button that sends nothing, when "Cancel" would read as the action's own word (a confirmation to cancel a
   * call: "Cancel" beside "Cancel call"). @default 'Cancel'
   */
  dismiss?: string;
  input?: HTMLInputElement;
  inputLabel?: string;
}): Promise<{ confirmed: boolean; value: string }> =>
  new Promise((resolve) => {
    const id = `dialog-${Math.random().toString(36).slice(2)}`;
    const opener = document.activeElement as HTMLElement | null;
    // Where the opener is among the page's controls: the live list may redraw while the dialog is open.
    const place = opener ? keyboardPlace(opener, document) : undefined;
    const dialog = h('dialog', { 'aria-labelledby': `${id}-title`, 'aria-describedby': `${id}-what` });
    // A plain button, not a submit: Enter in the input must press the action, the form's first submit button.
    const cancel = h(
      'button',
      { type: 'button', onclick: () => dialog.close('cancel') },
      options.dismiss ?? 'Cancel',
    );
    const form = h(
      'form',
      { method: 'dialog' },
      h('h2', { id: `${id}-title` }, options.title),
      h(
        'div',
        { id: `${id}-what` },
        options.facts
          ? h(
              'dl',
              { class: 'facts' },
              ...options.facts.flatMap(([label, value]) => [
                h('dt', {}, label),
                h('dd', {}, value ? outside(value) : '—'),
              ]),
            )
          : null,
        ...options.lines.map((line) => h('p', {}, line)),
      ),
      options.input && options.inputLabel
        ? h(
            'div',
            { class: 'field' },
            h('label', { for: options.input.id }, options.inputLabel),
            options.input,
          )
        : null,
      h(
        'div',
        { class: 'buttons' },
        cancel,
        h('button', { type: 'submit', class: 'danger', value: 'go' }, options.action),
      ),
    );
    // The first thing to take the focus is chosen, not left to the browser: Chromium gives it to the first scroller
    // (a fact value long enough to scroll in its cell), where Enter does nothing and typing a URL goes nowhere.
    (options.input ?? cancel).autofocus = true;
    dialog.append(form);
    dialog.addEventListener('close', () => {
      open.delete(dialog);
      const confirmed = dialog.returnValue === 'go';
      dialog.remove();
      // The opener may have been redrawn or left meanwhile (the live list refreshes): focus its successor.
      if (opener && !opener.isConnected) place?.restore();
      resolve({ confirmed, value: options.input?.value ?? '' });
    });
    document.body.appendChild(dialog);
    open.add(dialog);
    dialog.showModal();
  });
