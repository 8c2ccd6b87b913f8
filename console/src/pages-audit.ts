import { searchAudit } from './api.ts';
import { announce, field, h, replace, says, select, table } from './dom.ts';
import { AUDIT_HEAD, auditCells } from './pages-call.ts';

/** Audit search: by call, actor, trigger and time, newest first. */
export const auditPage = (main: HTMLElement): (() => void) => {
  const callSid = h('input', { name: 'callSid', type: 'search', autocomplete: 'off' });
  const actor = h('input', { name: 'actor', type: 'search', autocomplete: 'off' });
  const trigger = select('trigger', [
    ['', 'Any trigger'],
    ['http', 'API / console'],
    ['schedule', 'Schedule'],
    ['event', 'Event'],
    ['cli', 'CLI'],
  ]);
  const since = select(
    'since',
    [
      ['1', 'Last hour'],
      ['24', 'Last 24 hours'],
      ['168', 'Last 7 days'],
      ['720', 'Last 30 days'],
    ],
    '24',
  );
  const results = h('div');
  const search = async (event?: Event) => {
    event?.preventDefault();
    const filter: Record<string, string> = {
      since: new Date(Date.now() - Number(since.value) * 3_600_000).toISOString(),
      ...(callSid.value.trim() ? { callSid: callSid.value.trim() } : {}),
      ...(actor.value.trim() ? { actor: actor.value.trim() } : {}),
      ...(trigger.value ? { trigger: trigger.value } : {}),
    };
    try {
      const { records, more } = await searchAudit(filter);
      announce(undefined);
      replace(
        results,
        h(
          'p',
          { 'aria-live': 'polite' },
          more
            ? `The newest ${records.length} records; more may match: narrow the search (call, actor, trigger or time).`
            : `${records.length} record${records.length === 1 ? '' : 's'}`,
        ),
        records.length === 0
          ? null
          : table(
              'Audit records',
              'Newest first, one record a row',
              AUDIT_HEAD,
              records.map((entry) => auditCells(entry, true)),
            ),
      );
    } catch (error) {
      announce(says`Could not search the audit records: ${(error as Error).message}.`);
    }
  };
  replace(
    main,
    h('h1', {}, 'Audit'),
    h(
      'form',
      {
        class: 'filters',
        role: 'search',
        'aria-label': 'Search audit records',
        onsubmit: (e: Event) => void search(e),
      },
      field('Call SID', callSid),
      field('Actor', actor),
      field('Trigger', trigger),
      field('Time', since),
      h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Search')),
    ),
    results,
  );
  void search();
  return () => undefined;
};
