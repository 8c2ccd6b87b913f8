import { ANSWER_TIMEOUT_MS, setApiBase } from './api.ts';
import {
  type ConsoleConfig,
  completeSignIn,
  currentSession,
  SESSION_ENDED,
  signOut,
  startSignIn,
} from './auth.ts';
import { cancelConfirmations } from './confirm.ts';
import { announce, h, own, replace, says } from './dom.ts';
import { auditPage } from './pages-audit.ts';
import { callPage } from './pages-call.ts';
import { callsPage } from './pages-calls.ts';
import { cleanupPage } from './pages-cleanup.ts';
import { endAllPage } from './pages-end-all.ts';

/** The console: reads its settings, finishes a sign-in if one is coming back, then routes on the hash. */

const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
let leave: () => void = () => undefined;
let config: ConsoleConfig;
/** The console's name: the signed-out page's title, and the end of every page's. */
const TITLE = 'Call control console';

const ROLE_OF_SCOPES = (scopes: Set<string>): string =>
  scopes.has('call-control/admin') ? 'admin' : scopes.has('call-control/write') ? 'operator' : 'viewer';

/** The page for no session: whatever page was open is left (its refresh stops, its confirmation is cancelled). */
const signedOut = (message?: string) => {
  cancelConfirmations();
  leave();
  leave = () => undefined;
  replace(nav);
  replace(
    main,
    h('h1', {}, 'Call control console'),
    h('p', {}, 'Live calls, their audit trail, and the actions your role allows.'),
    h('button', { type: 'button', class: 'primary', onclick: () => void startSignIn(config) }, 'Sign in'),
  );
  announce(message);
  document.title = TITLE;
};

const route = () => {
  // A confirmation asked on the page being left is cancelled: back, forward or a link never carry it along.
  cancelConfirmations();
  leave();
  leave = () => undefined;
  const session = currentSession();
  if (!session) return signedOut(undefined);
  const isAdmin = session.scopes.has('call-control/admin');
  const hash = location.hash || '#/calls';
  const current = hash.split('/')[1] ?? 'calls';
  const link = (href: string, name: string, key: string) =>
    h('a', { href, ...(current === key ? { 'aria-current': 'page' } : {}) }, name);
  replace(
    nav,
    link('#/calls', 'Live calls', 'calls'),
    isAdmin ? link('#/end-all', 'End all', 'end-all') : null,
    link('#/audit', 'Audit', 'audit'),
    link('#/cleanup', 'Cleanup', 'cleanup'),
    h('span', { class: 'who' }, says`${session.username} (${own(ROLE_OF_SCOPES(session.scopes))})`),
    h(
      'button',
      {
        type: 'button',
        class: 'small',
        onclick: () => {
          signOut();
          signedOut('You are signed out.');
        },
      },
      'Sign out',
    ),
  );
  const callMatch = /^#\/calls\/([0-9A-Za-z-]{1,64})$/.exec(hash);
  // Each page names its tab (and what a screen reader says on arriving): two tabs of the console are told apart.
  let page: string;
  if (callMatch?.[1]) [leave, page] = [callPage(main, callMatch[1]), `Call ${callMatch[1]}`];
  else if (hash === '#/end-all' && isAdmin) [leave, page] = [endAllPage(main), 'End all'];
  else if (hash === '#/audit') [leave, page] = [auditPage(main), 'Audit'];
  else if (hash === '#/cleanup') [leave, page] = [cleanupPage(main), 'Cleanup'];
  else [leave, page] = [callsPage(main), 'Live calls'];
  document.title = `${page} – ${TITLE}`;
  main.focus({ preventScroll: true });
};

const start = async () => {
  try {
    const response = await fetch('config.json', { signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    config = (await response.json()) as ConsoleConfig;
  } catch (error) {
    const reason = error instanceof SyntaxError ? 'its answer was not JSON' : (error as Error).message;
    replace(main, h('h1', {}, 'Call control console'), h('p', {}, 'The console could not start.'));
    announce(says`The console could not load its settings (${reason}). Reload the page to try again.`);
    return;
  }
  setApiBase(config.apiBase);
  const error = await completeSignIn(config);
  window.addEventListener('hashchange', route);
  window.addEventListener(SESSION_ENDED, () => signedOut('Your session ended: sign in again.'));
  if (error) signedOut(error);
  else route();
};

main.tabIndex = -1;
void start();
