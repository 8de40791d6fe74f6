// The live dashboard page of sijill (GET /): sign-in with a token, the dashboard and the case
// view, in French, Arabic or English, kept up to date by one WebSocket subscription.
//
// Routes (in the URL's fragment, so the server serves one page):
//   #/                                 the dashboard (the whole programme, or ?region=R)
//   #/applications/APP-0001[?as_of=P]  a case file and its decision history

import { ApiError, get, storedToken, storeToken, whenUnauthenticated } from './api.js';
import { CaseView } from './case.js';
import { DashboardView, problemText } from './dashboard.js';
import { byId, h, replace } from './dom.js';
import { emblemMarkup, emblemSvg } from './emblem.js';
import { formatLocal, language, LANGUAGES, setLanguage, t, tn, tOr } from './i18n.js';
import { Live } from './live.js';

const LANG_KEY = 'sijill.lang';
const COORDINATOR = 'regional_coordinator';

const state = {
  session: null,
  region: null, // null: the whole programme
  dashboard: null,
  view: null, // DashboardView | CaseView
  liveState: 'idle',
  retryAt: null,
  fallbackTimer: null,
};

const live = new Live(storedToken, {
  onDashboard: (data) => receiveDashboard(data),
  onChanged: (position) => fallbackRefresh(position),
  onStatus: (s) => liveStatus(s),
  onUnauthenticated: () => signOut(t('signin.refused')),
  onError: (m) => {
    if (state.view instanceof DashboardView) showViewError(new ApiError(m.status, m));
  },
});

// --- the frame: title, EU visibility, languages -------------------------------------------

function savedLanguage() {
  try {
    return localStorage.getItem(LANG_KEY) || 'fr';
  } catch {
    return 'fr';
  }
}

function renderFrame() {
  document.title = t('app.title');
  replace(byId('app-title'), t('app.title'));
  replace(byId('eu-line'), t('eu.line'));
  replace(byId('eu-emblem'), emblemSvg(t('eu.emblem'), 36));
  byId('skip-link').textContent = t('app.skip');
  const nav = byId('langs');
  nav.setAttribute('aria-label', t('lang.label'));
  replace(
    nav,
    LANGUAGES.map((l) =>
      h(
        'button',
        {
          type: 'button',
          lang: l.code,
          'data-lang': l.code,
          'aria-pressed': l.code === language() ? 'true' : 'false',
          onClick: () => switchLanguage(l.code),
        },
        l.name,
      ),
    ),
  );
  replace(
    byId('bottom'),
    h('p', {}, emblemSvg(t('eu.emblem'), 24), ' ', h('span', {}, t('eu.line'))),
  );
}

function switchLanguage(code) {
  setLanguage(code);
  try {
    localStorage.setItem(LANG_KEY, code);
  } catch {
    // not kept
  }
  renderFrame();
  if (state.session) {
    renderToolbar();
    renderLiveStatus();
    route({ focus: false });
  } else {
    showSignIn();
  }
  document.querySelector(`#langs button[data-lang="${code}"]`)?.focus();
}

// --- sign-in --------------------------------------------------------------------------------

function showSignIn(message) {
  live.stop();
  state.session = null;
  state.dashboard = null;
  destroyView();
  byId('toolbar').hidden = true;
  byId('offline').hidden = true;
  const input = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    dir: 'ltr',
    'aria-describedby': message ? 'signin-help signin-error' : 'signin-help',
  });
  const error = message ? h('p', { class: 'error', id: 'signin-error', role: 'alert' }, message) : null;
  const form = h(
    'form',
    { class: 'signin panel', id: 'signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, t('signin.title')),
    h('p', { id: 'signin-help' }, t('signin.intro')),
    error,
    h('div', { class: 'field' }, h('label', { for: 'token' }, t('signin.token')), input),
    h('button', { type: 'submit' }, t('signin.submit')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    storeToken(token);
    startSession();
  });
  replace(byId('main'), form);
  input.focus();
}

function signOut(message) {
  storeToken('');
  if (location.hash && location.hash !== '#/') history.replaceState(null, '', '#/');
  showSignIn(message);
}

async function startSession() {
  replace(byId('main'), h('p', { class: 'loading' }, t('live.connecting')));
  let session;
  try {
    session = await get('/v1/session');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return signOut(t('signin.refused'));
    if (e instanceof ApiError && e.status === 404) {
      session = {}; // a server without /v1/session: the routes still check the token
    } else {
      storeToken('');
      return showSignIn(e instanceof ApiError && e.status === 0 ? t('signin.failed') : problemText(e));
    }
  }
  state.session = normaliseSession(session);
  state.region = isCoordinator() ? state.session.region : hashRegion();
  renderToolbar();
  live.start(state.region);
  route();
  // A proxy that refuses WebSockets should not leave the page empty: read once over HTTP.
  setTimeout(() => {
    if (state.session && !state.dashboard) fallbackRefresh(0);
  }, 1500);
}

function normaliseSession(s) {
  return {
    user: s.user ?? s.user_id ?? s.id ?? null,
    role: s.role ?? null,
    region: s.region ?? null,
    expires_at_local: s.expires_at_local ?? null,
  };
}

function isCoordinator() {
  return state.session?.role === COORDINATOR;
}

// Programme staff and auditors may look at any region or the whole programme.
function canSwitch() {
  return Boolean(state.session) && !isCoordinator();
}

function canReplay() {
  return ['auditor', 'admin'].includes(state.session?.role);
}

// --- the toolbar: navigation, region, user, live state -------------------------------------

function regionsKnown() {
  const regions = state.dashboard?.regions || [];
  if (state.region && !regions.includes(state.region)) return [...regions, state.region];
  return regions;
}

function renderToolbar() {
  const bar = byId('toolbar');
  bar.hidden = false;
  const s = state.session;
  const select = h(
    'select',
    {
      id: 'region',
      disabled: !canSwitch(),
      'aria-describedby': isCoordinator() ? 'region-locked' : null,
      onChange: (e) => setRegion(e.target.value || null),
    },
    isCoordinator() ? null : h('option', { value: '' }, t('region.all')),
    regionsKnown().map((r) => h('option', { value: r, selected: r === state.region }, r)),
  );
  const who = s.user
    ? [tn('session.user', { user: h('bdi', { id: 'who-user' }, s.user) }), s.role ? ` (${tOr(`role.${s.role}`, s.role)})` : '']
    : null;
  const expires = s.expires_at_local ? t('session.expires', { date: formatLocal(s.expires_at_local) }) : null;
  replace(
    bar,
    h(
      'nav',
      { class: 'nav', 'aria-label': t('nav.main') },
      h('a', { href: regionHash('#/'), id: 'nav-dashboard' }, t('nav.dashboard')),
    ),
    h(
      'div',
      { class: 'region-picker' },
      h('label', { for: 'region' }, t('region.label')),
      select,
      isCoordinator() ? h('span', { class: 'muted', id: 'region-locked' }, t('region.locked')) : null,
    ),
    h('p', { class: 'who', id: 'who', 'data-role': s.role || '' }, who, expires ? h('span', { class: 'muted' }, ` · ${expires}`) : null),
    h('p', { class: 'live', id: 'live', role: 'status' }),
    h('button', { type: 'button', class: 'secondary', id: 'signout', onClick: () => signOut() }, t('signout')),
  );
  renderLiveStatus();
}

function updateRegionOptions() {
  const select = byId('region');
  if (!select) return;
  const wanted = regionsKnown();
  const have = [...select.options].map((o) => o.value).filter(Boolean);
  if (wanted.join('\n') !== have.join('\n')) renderToolbar();
}

function liveStatus({ state: s, retryAt }) {
  state.liveState = s;
  state.retryAt = retryAt;
  renderLiveStatus();
}

let countdown = null;

function renderLiveStatus() {
  const el = byId('live');
  const banner = byId('offline');
  clearInterval(countdown);
  countdown = null;
  if (el) {
    el.dataset.state = state.liveState;
    const text = state.liveState === 'online' ? t('live.online') : state.liveState === 'offline' ? '' : t('live.connecting');
    replace(el, h('span', { class: 'dot', 'aria-hidden': 'true' }), text);
    el.hidden = state.liveState === 'offline';
  }
  if (state.liveState !== 'offline' || !state.session) {
    banner.hidden = true;
    document.body.classList.remove('is-offline');
    return;
  }
  const show = () => {
    const seconds = state.retryAt ? Math.max(0, Math.ceil((state.retryAt - Date.now()) / 1000)) : 0;
    banner.textContent = seconds > 0 ? t('live.offline', { seconds }) : t('live.offline.now');
  };
  show();
  banner.hidden = false;
  document.body.classList.add('is-offline');
  countdown = setInterval(show, 500);
}

// --- routing ---------------------------------------------------------------------------------

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = raw.split('?');
  return { path, params: new URLSearchParams(query) };
}

function hashRegion() {
  return parseHash().params.get('region') || null;
}

function regionHash(base) {
  return state.region && !isCoordinator() ? `${base}?region=${encodeURIComponent(state.region)}` : base;
}

function destroyView() {
  if (state.view && state.view.destroy) state.view.destroy();
  state.view = null;
}

// Shows the view the address names; `focus` moves the focus to its heading (a new view).
function route({ focus = true } = {}) {
  if (!state.session) return;
  const { path, params } = parseHash();
  const caseMatch = /^\/applications\/([^/]+)$/.exec(path);
  destroyView();
  const main = byId('main');
  if (caseMatch) {
    const id = decodeURIComponent(caseMatch[1]);
    const asOf = canReplay() && params.get('as_of') ? Number(params.get('as_of')) : null;
    const view = new CaseView(
      {
        canReplay,
        asOfChanged: (p) => {
          const next = `#/applications/${encodeURIComponent(id)}${p === null ? '' : `?as_of=${p}`}`;
          history.replaceState(null, '', next);
        },
      },
      id,
      asOf,
    );
    state.view = view;
    replace(main, view.root);
    if (focus) view.title.focus();
    view.load();
    return;
  }
  if (!isCoordinator()) {
    const wanted = params.get('region') || null;
    if (wanted !== state.region) {
      state.region = wanted;
      live.setRegion(wanted);
      renderToolbar();
    }
  }
  const view = new DashboardView({
    region: () => state.region,
    canSwitch,
    setRegion,
  });
  state.view = view;
  const heading = h('h1', { id: 'dashboard-title', tabindex: '-1' }, t('nav.dashboard'), ' — ',
    h('bdi', {}, state.region || t('region.all')));
  replace(main, heading, view.root);
  if (focus) heading.focus();
  if (state.dashboard && (state.dashboard.region ?? null) === state.region) view.update(state.dashboard);
  else view.root.setAttribute('aria-busy', 'true');
}

function setRegion(region) {
  if (!canSwitch()) return;
  const next = region || null;
  if (next === state.region) return;
  state.region = next;
  live.setRegion(next);
  history.replaceState(null, '', regionHash('#/'));
  renderToolbar();
  if (state.view instanceof DashboardView) {
    state.view.regionChanged();
    replace(byId('dashboard-title'), t('nav.dashboard'), ' — ', h('bdi', {}, state.region || t('region.all')));
    state.view.root.setAttribute('aria-busy', 'true');
  } else {
    location.hash = regionHash('#/');
  }
}

// --- the read model, live ----------------------------------------------------------------------

function receiveDashboard(data) {
  if (!data || typeof data !== 'object') return;
  if ((data.region ?? null) !== state.region && !isCoordinator()) return; // a late answer for the previous region
  const previous = state.dashboard;
  state.dashboard = data;
  updateRegionOptions();
  const view = state.view;
  if (view instanceof DashboardView) {
    view.root.setAttribute('aria-busy', 'false');
    view.update(data);
  } else if (view instanceof CaseView) {
    const seen = previous?.activity?.[0]?.position ?? 0;
    if ((data.activity || []).some((a) => a.position > seen && a.application_id === view.id)) view.refresh();
  }
}

// A server without the dashboard topic: re-read GET /v1/dashboard when the log moves.
function fallbackRefresh(position) {
  clearTimeout(state.fallbackTimer);
  state.fallbackTimer = setTimeout(async () => {
    try {
      const data = await get('/v1/dashboard', { region: state.region, min_position: position || null });
      receiveDashboard(data);
    } catch (e) {
      showViewError(e);
    }
  }, 150);
}

function showViewError(e) {
  if (!(state.view instanceof DashboardView)) return;
  const old = byId('view-error');
  if (old) old.remove();
  state.view.root.prepend(h('p', { class: 'error', id: 'view-error', role: 'alert' }, problemText(e)));
}

// --- start ---------------------------------------------------------------------------------------

function start() {
  setLanguage(savedLanguage());
  renderFrame();
  const icon = document.querySelector('link[rel="icon"]');
  if (icon) icon.href = `data:image/svg+xml,${encodeURIComponent(emblemMarkup(64))}`;
  byId('skip-link').addEventListener('click', (e) => {
    e.preventDefault();
    byId('main').focus();
  });
  whenUnauthenticated(() => signOut(t('signin.refused')));
  window.addEventListener('hashchange', () => route());
  if (storedToken()) startSession();
  else showSignIn();
}

start();
