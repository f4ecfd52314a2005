// The desk's shell: sign-in state, navigation by role, language switch and the hash router.

import { h, mount } from './dom.js';
import { t, initLang, setLang, lang } from './i18n.js';
import { api, who, token, setToken, setSessionUser, whenUnauthorized, ApiError } from './api.js';
import { problemText } from './forms.js';
import { signIn } from './views/signin.js';
import { queue } from './views/queue.js';
import { newCase } from './views/new_case.js';
import { casePage } from './views/case.js';
import { overview } from './views/supervisor.js';
import { caseSearch } from './views/case_search.js';
import { exemptions } from './views/exemptions.js';
import { offices } from './views/offices.js';
import { nemidPage } from './views/nemid.js';

const main = () => document.getElementById('main');

const NAV = {
  clerk: [['#/queue', 'nav.queue'], ['#/cases/new', 'nav.new_case'], ['#/exemptions', 'nav.exemptions']],
  bank: [['#/queue', 'nav.queue'], ['#/cases/new', 'nav.new_case']],
  supervisor: [['#/overview', 'nav.overview'], ['#/search', 'nav.search'], ['#/exemptions', 'nav.exemptions']],
  admin: [['#/offices', 'nav.offices']],
};

function home(role) {
  return { supervisor: '#/overview', admin: '#/offices' }[role] || '#/queue';
}

// How this server signs users in (`/ui/config.json`): `identity_provider`, `development` or `token`.
let signInMode = 'token';

async function loadConfig() {
  try {
    const res = await fetch('/ui/config.json', { headers: { Accept: 'application/json' } });
    if (res.ok) signInMode = (await res.json()).sign_in || 'token';
  } catch { /* unreachable: the sign-in screen says so when it calls the server */ }
  if (signInMode !== 'identity_provider') return;
  try {
    const { data } = await api('GET', '/api/v1/me');
    setSessionUser(data);
  } catch { setSessionUser(null); }
}

export function mode() { return signInMode; }

function renderChrome(route) {
  const me = who();
  document.getElementById('brand-name').textContent = t('app.name');
  document.getElementById('skip-link').textContent = t('skip');
  document.getElementById('lang-label').textContent = t('lang');
  document.getElementById('lang-select').value = lang();
  const nav = document.getElementById('nav');
  nav.setAttribute('aria-label', t('nav.label'));
  const items = me ? NAV[me.role] || [] : [];
  mount(nav, items.length ? h('ul', {}, items.map(([href, key]) =>
    // A link to the screen already shown loads it afresh (no hash change would).
    h('li', {}, h('a', { href, 'aria-current': route === href ? 'page' : null, onClick: (e) => { if (location.hash === href) { e.preventDefault(); go(href); } } }, t(key))))) : null);
  const signOut = document.getElementById('sign-out');
  signOut.hidden = !me;
  signOut.textContent = t('sign_out');
  mount(document.getElementById('who'), me
    ? t('signed_in_as', { name: me.name, role: t(`role.${me.role}`), office: me.office ? ` · ${me.office}` : '' })
    : '');
}

let notice = null;

async function route() {
  const me = who();
  const hash = location.hash || '';
  if (!me && token()) {
    // Expired (or unreadable): forget it and say so.
    setToken(null);
    notice = { kind: 'warn', text: t('signin.expired') };
  }
  const onSignIn = hash === '#/signin' || hash.startsWith('#/signin?');
  if (!me && !onSignIn) {
    location.replace('#/signin');
    return;
  }
  if (me && (hash === '' || hash === '#/' || onSignIn)) {
    location.replace(home(me.role));
    return;
  }
  // Each screen renders into its own container: a slow answer for a screen the user has left
  // lands in a detached node instead of over the screen they are on now.
  const el = h('div', { class: 'screen' });
  const caseMatch = hash.match(/^#\/cases\/([0-9a-f-]{36})$/);
  const nemidMatch = hash.match(/^#\/nemids\/([0-9]{9})$/);
  renderChrome(caseMatch || nemidMatch ? '' : hash);
  mount(main(), el);
  mount(el, h('p', { class: 'empty' }, t('loading')));
  const ctx = { me, notice };
  notice = null;
  try {
    if (onSignIn) await signIn(el, ctx, signInMode, new URLSearchParams(hash.slice('#/signin?'.length)));
    else if (hash === '#/queue') await queue(el, ctx);
    else if (hash === '#/cases/new') await newCase(el, ctx);
    else if (caseMatch) await casePage(el, ctx, caseMatch[1]);
    else if (nemidMatch && me.role !== 'admin') await nemidPage(el, ctx, nemidMatch[1]);
    else if (hash === '#/overview') await overview(el, ctx);
    else if (hash === '#/search' && me.role === 'supervisor') await caseSearch(el, ctx);
    else if (hash === '#/exemptions') await exemptions(el, ctx);
    else if (hash === '#/offices') await offices(el, ctx);
    else location.replace(home(me.role));
  } catch (e) {
    mount(el, h('div', { class: 'notice error', role: 'alert' }, h('p', {}, e instanceof ApiError ? problemText(e) : String(e.message || e))));
  }
  if (!el.isConnected) return;
  // Move focus to the new screen's heading so keyboard and screen-reader users start there,
  // and name the tab after the screen.
  const heading = el.querySelector('h1');
  document.title = heading ? `${heading.textContent.trim()} – ${t('app.name')}` : t('app.name');
  if (heading && !el.contains(document.activeElement)) {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
}

/** Navigates, optionally carrying a message to show on the next screen. */
export function go(hash, message) {
  notice = message || null;
  if (location.hash === hash) route();
  else location.hash = hash;
}

whenUnauthorized(() => {
  if (!token() && !who()) return; // several requests may fail together: sign out once
  setToken(null);
  setSessionUser(null);
  go('#/signin', { kind: 'warn', text: t('signin.expired') });
});

document.getElementById('lang-select').addEventListener('change', (e) => {
  setLang(e.target.value);
  route();
});
document.getElementById('sign-out').addEventListener('click', async () => {
  setToken(null);
  if (signInMode === 'identity_provider') {
    // Ends the session here, then at the identity provider (which sends the browser back).
    let next = '/';
    try { next = (await api('POST', '/auth/logout')).data.redirect || '/'; } catch { /* ended or unreachable */ }
    setSessionUser(null);
    location.assign(next);
    return;
  }
  go('#/signin');
});
// The skip link moves focus to the content; it must not change the route.
document.getElementById('skip-link').addEventListener('click', (e) => {
  e.preventDefault();
  const target = main().querySelector('h1') || main();
  target.setAttribute('tabindex', '-1');
  target.focus();
});
window.addEventListener('hashchange', () => {
  if (location.hash.startsWith('#/') || location.hash === '') route();
});

initLang();
loadConfig().then(route);
