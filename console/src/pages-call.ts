import { cancelCall, endCall, redirectCall } from './actions.ts';
import { type AuditEntry, api, type Call, kindOf, searchAudit } from './api.ts';
import { currentSession } from './auth.ts';
import { announce, h, outside, redrawKeepingFocus, replace, says, table, visible } from './dom.ts';

/** One audit record as table cells: every value text. */
export const auditCells = (entry: AuditEntry, linkCall: boolean) => {
  const { audit } = entry;
  const attested = Object.entries(audit.actor.attested ?? {});
  const claimed = Object.entries(audit.actor.claimed ?? {});
  return [
    outside(entry.timestamp.replace('T', ' ').replace(/\.\d+Z$/, 'Z')),
    h(
      'span',
      {},
      outside(audit.actor.name),
      h('br'),
      h('small', {}, attested.length > 0 ? 'attested' : claimed.length > 0 ? 'claimed' : 'unknown'),
    ),
    outside(audit.trigger),
    linkCall
      ? h('a', { href: `#/calls/${visible(audit.callSid)}`, class: 'sid' }, outside(audit.callSid))
      : outside(audit.callSid),
    outside(
      Object.entries(audit.change ?? {})
        .map(([name, value]) => `${name}=${value}`)
        .join(' ') || '-',
    ),
    outside(`${audit.outcome}${audit.resultingStatus ? ` (${audit.resultingStatus})` : ''}`),
    outside(audit.reason ?? ''),
  ];
};

export const AUDIT_HEAD = ['Time', 'Actor', 'Trigger', 'Call', 'Change', 'Outcome', 'Reason'];

const FIELDS: Array<[keyof Call, string]> = [
  ['status', 'Status'],
  ['from', 'From'],
  ['to', 'To'],
  ['caller_name', 'Caller name'],
  ['direction', 'Direction'],
  ['date_created', 'Created'],
  ['start_time', 'Started'],
  ['end_time', 'Ended'],
  ['duration', 'Duration (s)'],
  ['answered_by', 'Answered by'],
  ['parent_call_sid', 'Parent call'],
];

/** One call: its resource, the actions the role allows (each confirmed), and its audit trail. */
export const callPage = (main: HTMLElement, sid: string): (() => void) => {
  const canWrite = currentSession()?.scopes.has('call-control/write') ?? false;
  const details = h('div', {}, h('p', {}, 'Loading the call…'));
  const trail = h('div', {}, h('p', {}, 'Loading its audit trail…'));
  // What a failed load leaves in a part that never got an answer: no "Loading…" left beside the message.
  const unanswered = (part: HTMLElement, what: string) => {
    if (part.textContent?.startsWith('Loading')) replace(part, h('p', {}, `${what} could not be loaded.`));
  };
  replace(
    main,
    h('h1', {}, 'Call ', h('span', { class: 'sid' }, outside(sid))),
    details,
    h('h2', {}, 'Audit trail'),
    trail,
  );
  let live = true;
  const load = async () => {
    if (!live) return;
    try {
      const call = await api<Call>('GET', `/calls/${encodeURIComponent(sid)}`);
      if (!live) return;
      // A call of unknown status (null: SignalWire did not say) may still be up: it keeps End and Redirect.
      const ended = ['completed', 'canceled', 'failed', 'busy', 'no-answer'].includes(call.status ?? '');
      const actions =
        canWrite && !ended
          ? h(
              'div',
              { class: 'buttons' },
              h(
                'button',
                {
                  type: 'button',
                  class: 'danger',
                  'data-focus-key': 'end',
                  onclick: () => void endCall(call, load),
                },
                'End call…',
              ),
              h(
                'button',
                {
                  type: 'button',
                  'data-focus-key': 'redirect',
                  onclick: () => void redirectCall(call, load),
                },
                'Redirect…',
              ),
              // Cancel is for a call not yet answered: one of unknown status is not known to be.
              call.status !== 'queued' && call.status !== 'ringing'
                ? null
                : h(
                    'button',
                    {
                      type: 'button',
                      'data-focus-key': 'cancel',
                      onclick: () => void cancelCall(call, load),
                    },
                    'Cancel ringing…',
                  ),
            )
          : null;
      redrawKeepingFocus(details, () =>
        replace(
          details,
          h(
            'dl',
            { class: 'resource' },
            h('dt', {}, 'Kind'),
            h('dd', {}, kindOf(call)),
            ...FIELDS.flatMap(([key, label]) => [
              h('dt', {}, label),
              // A status SignalWire did not give is unknown, not missing.
              h('dd', {}, outside(call[key] ?? (key === 'status' ? 'unknown' : '—'))),
            ]),
          ),
          actions,
        ),
      );
      const { records, more } = await searchAudit({
        callSid: sid,
        since: new Date(Date.now() - 7 * 86_400_000).toISOString(),
      });
      if (!live) return;
      replace(
        trail,
        records.length === 0
          ? h('p', {}, 'No audit record for this call in the last 7 days.')
          : table(
              `Audit trail of call ${sid}`,
              'Newest first, one record a row',
              AUDIT_HEAD,
              records.map((entry) => auditCells(entry, false)),
            ),
        more ? h('p', {}, `The newest ${records.length} records; older ones are not shown.`) : null,
      );
    } catch (error) {
      if (!live) return;
      announce(says`Could not load the call or its audit trail: ${(error as Error).message}.`);
      unanswered(details, 'The call');
      unanswered(trail, 'Its audit trail');
    }
  };
  void load();
  return () => {
    live = false;
  };
};
