import { h } from './dom.ts';

/**
 * A modal confirmation: the title, the lines that name what will change (outside values shown as text), an
 * optional input, and the button that does it. Resolves true (with the input's value) only on that button.
 */
export const confirmAction = (options: {
  title: string;
  lines: string[];
  action: string;
  input?: HTMLInputElement;
  inputLabel?: string;
}): Promise<{ confirmed: boolean; value: string }> =>
  new Promise((resolve) => {
    const titleId = `dialog-${Math.random().toString(36).slice(2)}`;
    const go = h('button', { type: 'submit', class: 'danger', value: 'go' }, options.action);
    const form = h(
      'form',
      { method: 'dialog' },
      h('h2', { id: titleId }, options.title),
      ...options.lines.map((line) => h('p', {}, line)),
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
        h('button', { type: 'submit', value: 'cancel', formnovalidate: true }, 'Cancel'),
        go,
      ),
    );
    const dialog = h('dialog', { 'aria-labelledby': titleId }, form);
    dialog.addEventListener('close', () => {
      const confirmed = dialog.returnValue === 'go';
      dialog.remove();
      resolve({ confirmed, value: options.input?.value ?? '' });
    });
    document.body.appendChild(dialog);
    dialog.showModal();
  });
