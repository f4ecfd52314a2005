// Sign-in. With the identity provider: a link to `/auth/login`, which signs in through the
// municipality's login page and comes back with a session (or `#/signin?error=<kind>`).
// Development: pick a role and office, get a token from `/dev/token` (a route that does not exist
// in production). With static keys only: the token is pasted.

import { h, mount, noticeBox } from '../dom.js';
import { t } from '../i18n.js';
import { api, setToken, who } from '../api.js';
import { field, select, textarea, readForm, showProblem, busy, clearErrors, fieldError } from '../forms.js';
import { go } from '../main.js';

const ROLES = ['clerk', 'bank', 'supervisor', 'admin'];
// Clerks work at a citizen service centre or at the online service; bank staff at a branch.
const KINDS_OF = { clerk: ['citizen_service_centre', 'online_service'], bank: ['bank_branch'] };

export async function signIn(el, ctx, mode, params) {
  if (mode === 'identity_provider') {
    providerForm(el, ctx, params.get('error'));
    return;
  }
  let offices = null;
  try {
    const res = await fetch('/dev/offices', { headers: { Accept: 'application/json' } });
    if (res.ok) offices = (await res.json()).items;
  } catch { /* server unreachable: the production form still shows */ }
  if (offices) {
    devForm(el, ctx, offices);
    return;
  }
  productionForm(el, ctx);
}

// Why a sign-in through the identity provider came back without a session (`error=<kind>`).
const ERRORS = ['no_role', 'office', 'cancelled', 'refused', 'replayed', 'state_mismatch', 'wrong_issuer', 'nonce_mismatch', 'login_expired', 'provider_unavailable'];

function providerForm(el, ctx, error) {
  const kind = ERRORS.includes(error) ? error : (error ? 'other' : null);
  const notice = kind ? { kind: 'error', text: t(`signin.error.${kind}`) } : ctx.notice;
  mount(el, h('h1', {}, t('signin.title')), noticeBox(notice), h('p', { class: 'lead' }, t('signin.idp_lead')),
    h('p', {}, h('a', { class: 'button', href: '/auth/login', id: 'idp-sign-in' }, t('signin.idp'))));
}

function devForm(el, ctx, offices) {
  const officeWrap = h('div');
  const roleSel = select({
    name: 'role', label: t('signin.role'), value: 'clerk',
    options: ROLES.map((r) => [r, t(`role.${r}`)]),
    onChange: () => renderOffices(),
  });
  function renderOffices() {
    const role = form.querySelector('[data-field="role"]').value;
    const kinds = KINDS_OF[role];
    if (!kinds) { mount(officeWrap); return; }
    const mine = offices.filter((o) => kinds.includes(o.kind));
    mount(officeWrap, mine.length
      ? select({ name: 'office', label: t('signin.office'), hint: t('signin.office_hint'), options: mine.map((o) => [o.code, `${o.code} — ${o.name}`]) })
      : h('p', { class: 'notice warn' }, t('signin.no_offices')));
  }
  const form = h('form', { class: 'card signin', novalidate: true },
    roleSel, officeWrap,
    field({ name: 'name', label: t('signin.name'), value: 'Karen Jensen', autocomplete: 'name' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('signin.submit'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(form, async () => {
      try {
        const { data: { token } } = await api('POST', '/dev/token', { body: readForm(form) });
        setToken(token);
        go('#/');
      } catch (err) {
        showProblem(form, err);
      }
    });
  });
  mount(el, h('h1', {}, t('signin.title')), noticeBox(ctx.notice), h('p', { class: 'lead' }, t('signin.dev_lead')), form);
  renderOffices();
}

function productionForm(el, ctx) {
  const form = h('form', { class: 'card signin', novalidate: true },
    textarea({ name: 'token', label: t('signin.token'), hint: t('signin.token_hint') }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('signin.paste'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = (readForm(form).token || '').trim();
    setToken(value);
    if (!who()) {
      setToken(null);
      clearErrors(form);
      fieldError(form, 'token', t('signin.expired'));
      form.querySelector('textarea').focus();
      return;
    }
    go('#/');
  });
  mount(el, h('h1', {}, t('signin.title')), noticeBox(ctx.notice), h('p', { class: 'lead' }, t('signin.prod_lead')),
    form);
}
