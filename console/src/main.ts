import { ApiProblem } from './api/client.js';
import { h } from './dom.js';
import type { Page, PageContext } from './page.js';
import { batchDetailPage, batchesPage } from './pages/batches.js';
import { jobDetailPage } from './pages/job-detail.js';
import { jobsPage } from './pages/jobs.js';
import { queuesPage } from './pages/queues.js';
import { uploadPage } from './pages/upload.js';
import { webhookDetailPage, webhooksPage } from './pages/webhooks.js';
import { problemBox } from './problem.js';
import {
  configuredApiUrl,
  type Session,
  signIn,
  signInMessage,
  signOut,
  storedSession,
  takeKeyFromFragment,
} from './session.js';

const ROUTES: Array<{ pattern: RegExp; page: Page; nav: string }> = [
  { pattern: /^#\/jobs\/([^/?]+)/, page: jobDetailPage, nav: 'jobs' },
  { pattern: /^#\/jobs/, page: jobsPage, nav: 'jobs' },
  { pattern: /^#\/batches\/([^/?]+)/, page: batchDetailPage, nav: 'batches' },
  { pattern: /^#\/batches/, page: batchesPage, nav: 'batches' },
  { pattern: /^#\/webhooks\/([^/?]+)/, page: webhookDetailPage, nav: 'webhooks' },
  { pattern: /^#\/webhooks/, page: webhooksPage, nav: 'webhooks' },
  { pattern: /^#\/queues/, page: queuesPage, nav: 'queues' },
  { pattern: /^#\/upload/, page: uploadPage, nav: 'upload' },
];
const NAV = ['jobs', 'upload', 'batches', 'webhooks', 'queues'];

const root = document.getElementById('app') as HTMLElement;
let pollTimer: ReturnType<typeof setTimeout> | undefined;
let generation = 0;

function signInPage(apiUrl: string, message?: string) {
  clearTimeout(pollTimer);
  const url = h('input', {
    name: 'apiUrl',
    value: apiUrl,
    required: true,
    'aria-label': 'API URL',
    size: 48,
  });
  const key = h('input', {
    name: 'apiKey',
    type: 'password',
    required: true,
    'aria-label': 'API key',
    autocomplete: 'off',
    size: 48,
  });
  const note = h('p', { class: 'problem', role: 'alert', hidden: !message }, message ?? '');
  const form = h(
    'form',
    { class: 'sign-in' },
    h('h1', {}, 'media-pipeline console'),
    h('label', {}, 'API URL ', url),
    h('label', {}, 'API key ', key),
    h('button', { type: 'submit' }, 'Sign in'),
    note,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const session = await signIn(url.value.trim(), key.value.trim());
      if (!window.location.hash.startsWith('#/')) window.location.hash = '#/jobs';
      start(session);
    } catch (error) {
      note.hidden = false;
      note.textContent = signInMessage(error);
    }
  });
  root.replaceChildren(form);
}

function shell(session: Session, active: string, content: Node): HTMLElement {
  const out = h('button', { type: 'button', class: 'sign-out' }, 'Sign out');
  out.addEventListener('click', () => {
    signOut();
    signInPage(session.apiUrl);
  });
  return h(
    'div',
    { class: 'shell' },
    h(
      'nav',
      {},
      h('strong', {}, 'media-pipeline'),
      ...NAV.map((name) =>
        h('a', { href: `#/${name}`, class: name === active ? 'active' : undefined }, name),
      ),
      h('span', { class: 'api-url' }, session.apiUrl),
      out,
    ),
    h('main', {}, content),
  );
}

async function render(session: Session) {
  clearTimeout(pollTimer);
  const mine = ++generation;
  const hash = window.location.hash || '#/jobs';
  const route = ROUTES.find((r) => r.pattern.test(hash)) ?? (ROUTES[1] as (typeof ROUTES)[number]);
  const params = (route.pattern.exec(hash) ?? []).slice(1).map(decodeURIComponent);
  const ctx: PageContext = {
    api: session.api,
    apiUrl: session.apiUrl,
    params,
    refresh: () => void render(session),
  };
  try {
    const rendered = await route.page(ctx);
    if (mine !== generation) return; // a newer navigation won
    root.replaceChildren(shell(session, route.nav, rendered.node));
    if (rendered.pollMs)
      pollTimer = setTimeout(() => mine === generation && void render(session), rendered.pollMs);
  } catch (error) {
    if (mine !== generation) return;
    if (error instanceof ApiProblem && error.isAuthFailure) {
      signOut();
      signInPage(session.apiUrl, signInMessage(error));
      return;
    }
    root.replaceChildren(shell(session, route.nav, h('div', {}, problemBox(error))));
    // The API may be restarting: look again, more slowly.
    pollTimer = setTimeout(() => mine === generation && void render(session), 5000);
  }
}

let onHashChange: (() => void) | undefined;
function start(session: Session) {
  if (onHashChange) window.removeEventListener('hashchange', onHashChange);
  onHashChange = () => void render(session);
  window.addEventListener('hashchange', onHashChange);
  void render(session);
}

takeKeyFromFragment();
const apiUrl = await configuredApiUrl();
const session = storedSession(apiUrl);
if (session) start(session);
else signInPage(apiUrl);
