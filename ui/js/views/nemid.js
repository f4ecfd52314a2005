// A NemID in the register: its state, holder and code cards, the register's own actions (block,
// unblock, revoke) with the same refusal and 412 handling as a case's, the service cases a desk
// opens for its holder (a replacement code card, a new temporary password), and its history.

import { h, mount, noticeBox, announce, tableWrap } from '../dom.js';
import { t, fmtTime, fmtDate } from '../i18n.js';
import { api, idempotency, ApiError } from '../api.js';
import { select, textarea, checkbox, radios, group, field, readForm, showProblem, busy, problemText, checkRequired, clearErrors } from '../forms.js';
import { actionPanel } from '../actions.js';
import { loadSettings, identityForm } from '../evidence.js';
import { addressFields } from './new_case.js';
import { go } from '../main.js';

const BLOCK_REASONS = ['holder_request', 'suspected_misuse', 'lost_card'];
const REPLACEMENT_REASONS = ['lost', 'stolen', 'damaged', 'used_up'];

export function nemidBadge(n) {
  const cls = { active: ' done', revoked: ' closed', blocked: ' overdue' }[n.state] || '';
  return h('span', { class: `badge${cls}` }, t(`nemid.state.${n.state}`));
}

/** The cards of `n`, newest first, as a small table. */
export function cardTable(n, caption) {
  if (!n.cards.length) return h('p', { class: 'empty' }, t('nemid.no_cards'));
  return tableWrap(caption, h('table', {},
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('nemid.card_serial')),
      h('th', { scope: 'col' }, t('col.status')),
      h('th', { scope: 'col' }, t('nemid.card_how')),
      h('th', { scope: 'col' }, t('nemid.card_issued')))),
    h('tbody', {}, [...n.cards].reverse().map((c) => h('tr', {},
      h('td', {}, c.serial),
      h('td', {}, t(`nemid.card.${c.state}`)),
      h('td', {}, t(`nemid.how.${c.issued_how}`)),
      h('td', {}, fmtTime(c.issued_at)))))));
}

const FORMS = {
  block: () => ({ fields: [select({ name: 'reason', label: t('form.reason'), options: BLOCK_REASONS.map((r) => [r, t(`nemid.block_reason.${r}`)]) })] }),
  unblock: () => {
    const f = identityForm();
    return { fields: [h('p', {}, t('nemid.unblock_lead')), ...f.fields] };
  },
  revoke: () => ({ fields: [h('p', {}, t('nemid.revoke_lead')), textarea({ name: 'reason', label: t('form.reason') })] }),
};

/** What this role may do of what the NemID's state allows: supervisors block and revoke, never unblock. */
function actionsFor(role, allowed) {
  return role === 'supervisor' ? allowed.filter((a) => a !== 'unblock') : allowed;
}

/** The service cases a desk may open for the holder of `n` now. */
function serviceKinds(role, n) {
  if (!['clerk', 'bank'].includes(role)) return [];
  if (n.state === 'active') return ['replacement_card', 'new_password'];
  if (n.state === 'blocked') return ['replacement_card'];
  return [];
}

function timeline(events) {
  if (!events.length) return h('p', { class: 'empty' }, t('none'));
  return h('ol', { class: 'timeline' }, events.map((e) => h('li', {},
    h('div', { class: 'when' }, h('time', { datetime: e.occurred_at }, fmtTime(e.occurred_at))),
    h('div', { class: 'what' }, t(`nemid.event.${e.action}`), ' → ', t(`nemid.state.${e.to_status}`)),
    h('div', {}, `${e.actor.name} (${t(`role.${e.actor.role}`)}${e.actor.office ? `, ${e.actor.office}` : ''})`),
    e.evidence?.reason ? h('div', {}, `${t('form.reason')}: ${reasonText(e.evidence.reason)}`) : null,
    e.evidence?.card_serial ? h('div', {}, `${t('nemid.card_serial')}: ${e.evidence.card_serial}`) : null,
    e.evidence?.case_id ? h('div', {}, h('a', { href: `#/cases/${e.evidence.case_id}` }, t('nemid.the_case'))) : null)));
}

function reasonText(r) {
  for (const key of [`nemid.block_reason.${r}`, `nemid.replacement_reason.${r}`, `nemid.reason.${r}`]) {
    const text = t(key);
    if (text !== key) return text;
  }
  return r;
}

/** The form that opens a service case for the holder of `n`, the applicant's details filled in. */
function serviceForm(ctx, n, kind, close) {
  const keys = idempotency();
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'service-title' },
    h('h3', { id: 'service-title' }, t(`kind.${kind}`)),
    h('p', {}, t(`nemid.service_lead.${kind}`)),
    kind === 'replacement_card'
      ? radios({ name: 'reason', legend: t('nemid.replacement_reason'), value: '', options: REPLACEMENT_REASONS.map((r) => [r, t(`nemid.replacement_reason.${r}`), r === 'lost' || r === 'stolen' ? t('nemid.revokes_old_card') : null]) })
      : null,
    group('applicant', t('new.applicant'),
      field({ name: 'applicant.name', label: t('new.name'), value: n.holder.name, autocomplete: 'name' })),
    group('applicant.address', t('new.address'), addressFields('applicant.address')),
    ctx.me.role === 'bank' ? checkbox({ name: 'online_banking_agreement', label: t('new.online_banking') }) : null,
    h('div', { class: 'actions' },
      h('button', { type: 'submit' }, t('nemid.open_service')),
      h('button', { type: 'button', class: 'secondary', onClick: close }, t('cancel_form'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    if (!checkRequired(form)) return;
    const values = readForm(form);
    const body = { kind, nemid_number: n.number, applicant: { ...values.applicant, cpr: n.holder.cpr } };
    if (kind === 'replacement_card') body.reason = values.reason || '';
    if (ctx.me.role === 'bank') body.online_banking_agreement = values.online_banking_agreement;
    busy(form, async () => {
      try {
        const { data } = await api('POST', '/api/v1/cases', { body, idempotencyKey: keys.for(body) });
        keys.answered();
        announce(t('new.created', { number: data.case_number }));
        go(`#/cases/${data.id}`, { kind: 'ok', text: t('new.created', { number: data.case_number }) });
      } catch (err) {
        keys.answered(err);
        showProblem(form, err);
      }
    });
  });
  return form;
}

export async function nemidPage(el, ctx, number) {
  let current;
  let events;
  let notice = ctx.notice;
  let service = null; // the kind of service case whose form is shown

  async function load() {
    const [n, ev] = await Promise.all([api('GET', `/api/v1/nemids/${number}`), api('GET', `/api/v1/nemids/${number}/events`)]);
    current = n.data;
    events = ev.data.items;
  }

  const panel = actionPanel({
    root: el,
    forms: FORMS,
    label: (a) => t(`nemid.action.${a}`),
    danger: (a) => a === 'revoke',
    prepare: async (a) => { service = null; if (a === 'unblock') await loadSettings(); },
    send: async (action, body, key) => (await api('POST', `/api/v1/nemids/${number}/${action}`, { body, ifMatch: current.version, idempotencyKey: key })).data,
    accept: (data) => { current = data; },
    history: async () => { events = (await api('GET', `/api/v1/nemids/${number}/events`)).data.items; },
    reload: load,
    doneText: (action) => t('case.done', { action: t(`nemid.action.${action}`) }),
    staleText: t('nemid.changed_elsewhere'),
    say: (n) => {
      notice = n;
      announce(n.text);
      render(true);
    },
    rerender: () => render(),
  });

  function facts(n) {
    const rows = [
      ['nemid.holder', `${n.holder.name} (${n.holder.cpr || n.holder.cpr_masked})`],
      ['nemid.state', t(`nemid.state.${n.state}`)],
      ['nemid.active_since', n.active_since ? fmtDate(n.active_since) : null],
      ['nemid.first_case', n.case_id ? h('a', { href: `#/cases/${n.case_id}` }, t('nemid.the_case')) : null],
    ].filter(([, v]) => v);
    return h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', {}, t(k)), h('dd', {}, v)]));
  }

  function render(focusNotice = false) {
    const n = current;
    const { buttons, form } = panel.view(n, actionsFor(ctx.me.role, n.allowed_actions));
    const kinds = serviceKinds(ctx.me.role, n);
    const serviceButtons = kinds.map((k) => h('button', {
      type: 'button',
      class: k === service ? '' : 'secondary',
      'aria-expanded': String(k === service),
      dataset: { service: k },
      onClick: () => {
        service = k;
        render();
        el.querySelector('#service-title')?.closest('form')?.querySelector('input, select, textarea')?.focus();
      },
    }, t(`kind.${k}`)));
    const noticeEl = noticeBox(notice);
    mount(el,
      h('p', {}, h('a', { href: ctx.me.role === 'supervisor' ? '#/overview' : '#/queue' }, `← ${t(ctx.me.role === 'supervisor' ? 'nav.overview' : 'nav.queue')}`)),
      h('h1', {}, t('nemid.title', { number: n.number }), ' ', nemidBadge(n)),
      noticeEl,
      h('div', { class: 'cols' },
        h('div', {},
          h('section', { 'aria-labelledby': 'facts-h' }, h('h2', { id: 'facts-h' }, t('case.facts')), facts(n)),
          h('section', { 'aria-labelledby': 'cards-h' }, h('h2', { id: 'cards-h' }, t('nemid.cards')), cardTable(n, t('nemid.cards_of', { number: n.number }))),
          kinds.length
            ? h('section', { 'aria-labelledby': 'service-h' },
              h('h2', { id: 'service-h' }, t('nemid.service')),
              h('div', { class: 'actions' }, serviceButtons),
              service ? serviceForm(ctx, n, service, () => { service = null; render(); el.querySelector(`[data-service="${kinds[0]}"]`)?.focus(); }) : null)
            : null,
          h('section', { 'aria-labelledby': 'next-h' },
            h('h2', { id: 'next-h' }, t('nemid.register_actions')),
            buttons.length ? h('div', { class: 'actions' }, buttons) : h('p', { class: 'empty' }, t('nemid.no_actions')),
            form)),
        h('section', { 'aria-labelledby': 'timeline-h' }, h('h2', { id: 'timeline-h' }, t('nemid.history')), timeline(events))));
    if (focusNotice && noticeEl) {
      noticeEl.setAttribute('tabindex', '-1');
      noticeEl.focus();
    }
  }

  try {
    await load();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    mount(el, h('h1', {}, t('nemid.title', { number: '' })),
      noticeBox({ kind: 'error', text: err.status === 404 ? t('nemid.not_found') : problemText(err) }));
    return;
  }
  render();
}
