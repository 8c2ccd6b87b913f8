import { api } from './api.ts';
import { currentSession } from './auth.ts';
import { announce, field, h, outside, replace, says, table, visible } from './dom.ts';

interface Report {
  scheduleName: string;
  dryRun: boolean;
  startedAt: string;
  found: number;
  eligible: number;
  ended: number;
  wouldEnd: number;
  failed: number;
  wouldEndCalls: Array<{ sid: string; status: string; reason: string }>;
  skipped: { fresh: number; filtered: number; neverTouch: number; unknownAge: number };
  circuitBreaker: { cap: number; tripped: boolean };
  incomplete: boolean;
}

const minutes = (input: HTMLInputElement): number | undefined =>
  input.value.trim() === '' ? undefined : Math.round(Number(input.value) * 60);

/** The report's figures, as a short list. */
const summary = (report: Report) =>
  h(
    'ul',
    { class: 'summary' },
    h('li', {}, `Found: ${report.found}`),
    h('li', {}, `Stale (eligible): ${report.eligible}`),
    h(
      'li',
      {},
      report.dryRun ? `Would end: ${report.wouldEnd}` : `Ended: ${report.ended}, failed: ${report.failed}`,
    ),
    h(
      'li',
      {},
      `Skipped: ${report.skipped.fresh} fresh, ${report.skipped.filtered} filtered, ${report.skipped.neverTouch} never touch`,
    ),
    report.circuitBreaker.tripped ? h('li', {}, `Stopped at the cap of ${report.circuitBreaker.cap}`) : null,
    report.incomplete ? h('li', {}, 'Incomplete: the time budget ran out') : null,
  );

/** Cleanup: the last scheduled runs for everyone; a dry run of a policy for admins. */
export const cleanupPage = (main: HTMLElement): (() => void) => {
  const isAdmin = currentSession()?.scopes.has('call-control/admin') ?? false;
  const runs = h('div', {}, h('p', {}, 'Loading the last runs…'));
  const result = h('div');
  const inProgress = h('input', { name: 'inProgress', type: 'number', min: 1, inputmode: 'numeric' });
  const ringing = h('input', { name: 'ringing', type: 'number', min: 1, inputmode: 'numeric' });
  const queued = h('input', { name: 'queued', type: 'number', min: 1, inputmode: 'numeric' });
  const toPrefix = h('input', { name: 'toPrefix', type: 'search', inputmode: 'tel' });

  const dryRun = async (event: Event) => {
    event.preventDefault();
    const maxAgeSeconds = Object.fromEntries(
      (
        [
          ['inProgress', inProgress],
          ['ringing', ringing],
          ['queued', queued],
        ] as const
      )
        .map(([name, input]) => [name, minutes(input)])
        .filter(([, value]) => value !== undefined),
    );
    const policy = { maxAgeSeconds, ...(toPrefix.value.trim() ? { to: [toPrefix.value.trim()] } : {}) };
    try {
      const { report } = await api<{ report: Report }>('POST', '/cleanup/dry-run', { policy });
      announce(undefined);
      replace(
        result,
        h('h2', {}, 'Dry run: nothing was ended'),
        summary(report),
        report.wouldEndCalls.length === 0
          ? null
          : table(
              'Calls the policy would end',
              'None of them was ended: this was a dry run',
              ['Call SID', 'Status', 'Why'],
              report.wouldEndCalls.map((c) => [
                h('a', { href: `#/calls/${visible(c.sid)}`, class: 'sid' }, outside(c.sid)),
                outside(c.status),
                outside(c.reason),
              ]),
            ),
      );
    } catch (error) {
      announce(says`The dry run failed: ${(error as Error).message}. Nothing was ended.`);
    }
  };

  replace(
    main,
    h('h1', {}, 'Cleanup'),
    isAdmin
      ? h(
          'section',
          { 'aria-labelledby': 'dry-run-title' },
          h('h2', { id: 'dry-run-title' }, 'Dry run a policy'),
          h(
            'p',
            {},
            'Calls older than these ages (minutes) are stale. Nothing is ended; each call that would be is audited.',
          ),
          h(
            'form',
            { class: 'filters', onsubmit: (e: Event) => void dryRun(e) },
            field('In progress over (min)', inProgress),
            field('Ringing over (min)', ringing),
            field('Queued over (min)', queued),
            field('To starts with', toPrefix),
            h('div', { class: 'field' }, h('button', { type: 'submit', class: 'primary' }, 'Dry run')),
          ),
          result,
        )
      : null,
    h('h2', {}, 'Last scheduled runs'),
    runs,
  );

  let live = true;
  void (async () => {
    try {
      const { runs: list } = await api<{ runs: Array<{ timestamp?: string; report: Report }> }>(
        'GET',
        '/cleanup/runs',
      );
      if (!live) return;
      replace(
        runs,
        list.length === 0
          ? h('p', {}, 'No cleanup run in the last 7 days.')
          : table(
              'Last cleanup runs',
              'Newest first, one run a row',
              ['Time', 'Schedule', 'Dry run', 'Found', 'Stale', 'Ended', 'Would end', 'Failed'],
              list.map(({ timestamp, report }) => [
                outside(timestamp ?? report.startedAt),
                outside(report.scheduleName),
                report.dryRun ? 'yes' : 'no',
                report.found,
                report.eligible,
                report.ended,
                report.wouldEnd,
                report.failed,
              ]),
            ),
      );
    } catch (error) {
      if (live) announce(says`Could not load the last cleanup runs: ${(error as Error).message}.`);
    }
  })();
  return () => {
    live = false;
  };
};
