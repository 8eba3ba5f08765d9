// The mobile dashboard: log in (company code, login, password), list the views this user may read,
// render one. It only talks to the portal's own /v1/mobile API; the server checks every permission.
//
// The token lives in sessionStorage: it survives a reload of the tab but not closing it, is not shared
// with other tabs, and is never put in a cookie (so no CSRF); the strict CSP (no inline or foreign
// script) is what keeps other code from reading it. It expires on the server (TTL) and here at expiresAt.
import { h } from './dom.js';
import * as f from './format.js';
import { initialLang, saveLang, strings } from './i18n.js';
import { renderView } from './views.js';

const SESSION_KEY = 'sbsync.session';
const main = document.getElementById('main');
const state = { lang: initialLang(), session: null, notice: null, list: null, current: null, expiryTimer: null, renderedWidth: 0 };
const t = () => strings(state.lang);

// ── session ──

function readSession() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
    if (saved && typeof saved.token === 'string') {
      if (Date.parse(saved.expiresAt) > Date.now()) return saved;
      state.notice = { text: 'expired', kind: 'warning' };
    }
  } catch {
    // unreadable: start over
  }
  sessionStorage.removeItem(SESSION_KEY);
  return null;
}

function startSession(session) {
  state.session = session;
  state.list = null;
  state.notice = null;
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  scheduleExpiry();
}

function endSession(reason) {
  state.session = null;
  state.list = null;
  state.current = null;
  clearTimeout(state.expiryTimer);
  sessionStorage.removeItem(SESSION_KEY);
  state.notice = reason ? { text: reason, kind: reason === 'loggedOut' ? 'info' : 'warning' } : null;
}

function scheduleExpiry() {
  clearTimeout(state.expiryTimer);
  if (!state.session) return;
  const left = Date.parse(state.session.expiresAt) - Date.now();
  state.expiryTimer = setTimeout(() => {
    endSession('expired');
    render();
  }, Math.min(Math.max(0, left), 2 ** 31 - 1));
}

class SessionEnded extends Error {}

/** The answer prefetch.js started for this view with this session, once. */
function takePrefetched(id) {
  const prefetched = window.sbsyncPrefetch;
  window.sbsyncPrefetch = undefined;
  return prefetched && prefetched.id === id && prefetched.token === state.session?.token ? prefetched.response : undefined;
}

async function api(path, init = {}, prefetched = undefined) {
  const response = (await prefetched) ?? await fetch(path, {
    ...init,
    headers: { accept: 'application/json', ...(state.session ? { authorization: `Bearer ${state.session.token}` } : {}), ...init.headers },
    cache: 'no-store',
    credentials: 'omit',
  });
  if (response.status === 401 && state.session) {
    endSession('expired');
    render();
    throw new SessionEnded();
  }
  return response;
}

// ── chrome ──

function contentWidth() {
  const style = getComputedStyle(main);
  return Math.min(1040, main.clientWidth) - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
}

function renderChrome() {
  const text = t();
  document.documentElement.lang = state.lang;
  document.getElementById('skip').textContent = text.skip;
  const lang = document.getElementById('lang');
  lang.textContent = text.switchLang;
  lang.setAttribute('lang', state.lang === 'fr' ? 'en' : 'fr');
  lang.setAttribute('aria-label', text.switchLangLabel);
  const logout = document.getElementById('logout');
  logout.textContent = text.logout;
  logout.hidden = !state.session;
  document.getElementById('who').textContent = state.session ? text.signedInAs(state.session.name || state.session.login, state.session.company) : '';
  document.querySelector('.tools').setAttribute('aria-label', text.sessionNav);
}

function show(...children) {
  main.replaceChildren(...children.flat());
  state.renderedWidth = main.clientWidth;
}

function focusHeading() {
  const heading = main.querySelector('h2');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
}

function route() {
  const match = /^#\/view\/([^/?#]+)$/.exec(location.hash);
  if (match) {
    try {
      return { name: 'view', id: decodeURIComponent(match[1]) };
    } catch {
      return { name: 'list' };
    }
  }
  return { name: 'list' };
}

// ── pages ──

function noticeNode() {
  if (!state.notice) return null;
  return h('p', { class: ['notice', state.notice.kind], role: 'status' }, t()[state.notice.text] ?? state.notice.text);
}

function loginPage() {
  const text = t();
  document.title = `${text.loginTitle} — ${text.appName}`;
  const error = h('p', { id: 'login-error', class: 'error', role: 'alert' });
  const field = (id, label, attrs) => h('div', { class: 'field' }, h('label', { for: id }, label), h('input', { id, name: id, required: true, 'aria-describedby': 'login-error', ...attrs }));
  const button = h('button', { type: 'submit', class: 'primary' }, text.signIn);
  const form = h(
    'form',
    { class: 'login-form', novalidate: true },
    field('company', text.company, { autocomplete: 'organization', autocapitalize: 'characters', spellcheck: 'false', maxlength: '17', inputmode: 'text' }),
    field('login', text.login, { autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', maxlength: '64' }),
    field('password', text.password, { type: 'password', autocomplete: 'current-password', maxlength: '1024' }),
    error,
    button,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(['company', 'login', 'password'].map((name) => [name, form.elements[name].value]));
    error.textContent = '';
    if (!values.company.trim() || !values.login.trim() || !values.password) {
      error.textContent = text.missingFields;
      form.querySelector('input:invalid, input[value=""]')?.focus();
      return;
    }
    button.disabled = true;
    button.textContent = text.signingIn;
    try {
      const response = await fetch('/v1/mobile/login', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(values), cache: 'no-store', credentials: 'omit' });
      if (response.ok) {
        const body = await response.json();
        startSession({ token: body.token, expiresAt: body.expiresAt, company: body.company, login: body.login, name: body.name ?? body.login });
        render();
        return;
      }
      error.textContent = response.status === 429 ? text.tooMany(Number(response.headers.get('retry-after')) || 60) : response.status === 401 || response.status === 400 ? text.badCredentials : text.unreachable;
    } catch {
      error.textContent = text.unreachable;
    }
    form.elements.password.value = '';
    button.disabled = false;
    button.textContent = text.signIn;
    form.elements.password.focus();
  });
  show(h('section', { class: 'login', 'aria-labelledby': 'login-title' }, h('h2', { id: 'login-title' }, text.loginTitle), noticeNode(), h('p', { class: 'muted' }, text.loginIntro), form));
  main.setAttribute('data-page', 'login');
}

function publishedLine(publishedAt, asOf) {
  const text = t();
  return h('p', { class: 'dates' }, asOf ? h('span', { 'data-as-of': asOf }, `${text.asOf} ${f.date(asOf, state.lang)}`) : null, asOf && publishedAt ? ' · ' : null, publishedAt ? h('span', { 'data-published-at': publishedAt }, `${text.published} ${f.dateTime(publishedAt, state.lang)}`) : null);
}

async function listPage() {
  const text = t();
  document.title = `${text.viewsTitle} — ${text.appName}`;
  if (!state.list) {
    show(h('p', { class: 'loading', role: 'status' }, text.loading));
    const response = await api('/v1/mobile/views');
    if (!response.ok) {
      show(h('h2', null, text.viewsTitle), h('p', { class: 'error', role: 'alert' }, text.failed));
      return;
    }
    state.list = await response.json();
  }
  const { views, publishedAt, company } = state.list;
  const groups = new Map();
  for (const view of views) {
    const group = view.meta?.group ?? 'other';
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push(view);
  }
  const title = (view) => view.meta?.title?.[state.lang] ?? view.meta?.title?.fr ?? view.id;
  show(
    h('h2', null, `${text.viewsTitle} — ${company}`),
    publishedAt ? publishedLine(publishedAt, null) : null,
    views.length === 0 ? h('p', { class: 'muted' }, text.noViews) : null,
    [...groups].map(([group, items]) =>
      h(
        'section',
        { class: 'group', 'aria-labelledby': `group-${group}` },
        h('h3', { id: `group-${group}` }, text.groups[group] ?? group),
        h(
          'ul',
          { class: 'view-list' },
          items.map((view) =>
            h('li', null, h('a', { href: `#/view/${encodeURIComponent(view.id)}`, 'data-view': view.id }, h('span', { class: 'view-title' }, title(view)), h('span', { class: 'view-meta' }, [text.kinds[view.meta?.kind] ?? '', view.meta?.asOf ? `${text.asOf} ${f.date(view.meta.asOf, state.lang)}` : ''].filter(Boolean).join(' · ')))),
          ),
        ),
      ),
    ),
  );
  main.setAttribute('data-page', 'list');
}

function viewFrame(children) {
  return [h('p', { class: 'back' }, h('a', { href: '#/' }, t().back)), ...children];
}

async function viewPage(id) {
  const text = t();
  if (state.current?.id !== id) {
    state.current = null;
    show(viewFrame([h('p', { class: 'loading', role: 'status' }, text.loading)]));
    const response = await api(`/v1/mobile/views/${encodeURIComponent(id)}`, {}, takePrefetched(id));
    if (route().id !== id) return;
    if (!response.ok) {
      const message = response.status === 403 ? text.denied : response.status === 404 ? text.notPublished : text.failed;
      document.title = `${message} — ${text.appName}`;
      show(viewFrame([h('h2', null, id), h('p', { class: ['error', response.status === 403 ? 'denied' : null], role: 'alert', 'data-status': response.status }, message)]));
      main.setAttribute('data-page', 'view-error');
      return;
    }
    const body = await response.json();
    state.current = { id, publishedAt: body.publishedAt, view: body.rows?.[0] };
  }
  const { view, publishedAt } = state.current;
  const title = view.title?.[state.lang] ?? view.title?.fr ?? id;
  document.title = `${title} — ${text.appName}`;
  const ctx = { lang: state.lang, t: text, currency: view.currency || 'EUR', width: 0 };
  show(viewFrame([h('h2', null, title)]));
  ctx.width = contentWidth();
  main.append(
    publishedLine(publishedAt, view.asOf),
    view.warnings?.length ? h('details', { class: 'warnings' }, h('summary', null, `⚠ ${text.warnings} (${view.warnings.length})`), h('ul', null, view.warnings.map((w) => h('li', null, w)))) : '',
    h('div', { class: 'view-body', 'data-kind': view.kind }, renderView(view, ctx)),
  );
  main.setAttribute('data-page', 'view');
  main.setAttribute('data-view', id);
  performance.mark('sbsync:view-rendered');
}

let rendering = Promise.resolve();

function render({ focus = true } = {}) {
  rendering = rendering.then(async () => {
    renderChrome();
    main.removeAttribute('data-view');
    main.setAttribute('aria-busy', 'true');
    try {
      if (!state.session) loginPage();
      else {
        const current = route();
        if (current.name === 'view') await viewPage(current.id);
        else await listPage();
      }
      if (focus) focusHeading();
    } catch (error) {
      if (!(error instanceof SessionEnded)) {
        console.error(error);
        show(h('p', { class: 'error', role: 'alert' }, t().unreachable));
      }
    } finally {
      main.removeAttribute('aria-busy');
    }
  });
  return rendering;
}

// ── events ──

window.addEventListener('hashchange', () => render());
document.getElementById('lang').addEventListener('click', () => {
  state.lang = state.lang === 'fr' ? 'en' : 'fr';
  saveLang(state.lang);
  render({ focus: false });
});
document.getElementById('logout').addEventListener('click', async () => {
  const token = state.session?.token;
  endSession('loggedOut');
  if (token) await fetch('/v1/mobile/logout', { method: 'POST', headers: { authorization: `Bearer ${token}` }, cache: 'no-store', credentials: 'omit' }).catch(() => undefined);
  if (location.hash !== '' && location.hash !== '#/') history.replaceState(null, '', '#/');
  await render();
  document.getElementById('company')?.focus();
});
let resizeTimer;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    if (state.current && Math.abs(main.clientWidth - state.renderedWidth) > 40) render({ focus: false });
  }, 150);
});

state.session = readSession();
scheduleExpiry();
render({ focus: false });
