// The case page: status and facts, the actions the case allows now as buttons with their
// evidence forms, and the audit trail as a timeline. Every change is sent with the version the
// clerk saw (If-Match); if someone else changed the case meanwhile (412) it is reloaded.

import { h, mount, noticeBox, announce } from '../dom.js';
import { t, fmtTime, fmtDate, copenhagenToday } from '../i18n.js';
import { api, ApiError } from '../api.js';
import { field, checkbox, textarea, group, problemText } from '../forms.js';
import { actionPanel } from '../actions.js';
import { loadSettings, photoIdFields, identityForm } from '../evidence.js';
import { statusBadge } from './queue.js';
import { addressFields } from './new_case.js';

/** The evidence form of each action; `body` turns the form's values into the request body. */
const FORMS = {
  'identity-check': identityForm,
  'accompanying-holder': () => ({
    fields: [group('holder', t('form.holder'),
      field({ name: 'holder.cpr', label: t('form.holder_cpr'), hint: t('new.cpr_hint'), attrs: { inputmode: 'numeric', maxlength: '11' } }),
      field({ name: 'holder.name', label: t('form.holder_name') }),
      photoIdFields('holder.photo_id'),
      checkbox({ name: 'holder.nemid_card_presented', label: t('form.holder_card') }),
      field({ name: 'holder.nemid_active_since', label: t('form.holder_since'), type: 'date', optional: true, hint: t('form.holder_since_hint'), attrs: { max: copenhagenToday() } }))],
  }),
  'second-half': (c) => {
    const addr = group('address', t('form.posting_address'), addressFields('address', c.applicant.address || {}));
    addr.hidden = true;
    const toggle = h('input', { type: 'checkbox', id: 'post-elsewhere', 'aria-controls': 'posting-address', onChange: (e) => { addr.hidden = !e.target.checked; } });
    addr.id = 'posting-address';
    return {
      fields: [
        c.applicant.address ? h('p', {}, `${c.applicant.address.street}, ${c.applicant.address.postal_code} ${c.applicant.address.city}`) : null,
        h('div', { class: 'field inline' }, toggle, h('label', { for: 'post-elsewhere' }, t('form.post_elsewhere'))),
        addr,
      ],
    };
  },
  returned: () => ({ fields: [textarea({ name: 'reason', label: t('form.reason') })] }),
  reject: () => ({ fields: [textarea({ name: 'reason', label: t('form.reason') })] }),
  cancel: () => ({ fields: [textarea({ name: 'reason', label: t('form.reason') })] }),
  'first-half': () => ({ fields: [h('p', {}, t('form.confirm_first_half'))] }),
  activation: () => ({ fields: [h('p', {}, t('form.confirm_activation'))] }),
  'issue-in-full': () => ({ fields: [h('p', {}, t('form.confirm_issue_in_full'))] }),
  'card-handout': () => ({ fields: [h('p', {}, t('form.confirm_card_handout'))] }),
  'password-handout': () => ({ fields: [h('p', {}, t('form.confirm_password_handout'))] }),
};

function facts(c) {
  const rows = [
    ['case.applicant', `${c.applicant.name} (${c.applicant.cpr || c.applicant.cpr_masked})`],
    ['case.address', c.applicant.address ? `${c.applicant.address.street}, ${c.applicant.address.postal_code} ${c.applicant.address.city}, ${c.applicant.address.country}` : null],
    ['case.kind', t(`kind.${c.kind}`)],
    ['case.channel', t(`channel.${c.channel}`)],
    ['case.office', c.office_code],
    ['case.opened_at', fmtTime(c.opened_at)],
    ['case.nemid_number', c.nemid_number ? h('a', { href: `#/nemids/${c.nemid_number}` }, c.nemid_number) : null],
    ['nemid.replacement_reason', c.replacement_reason ? t(`nemid.replacement_reason.${c.replacement_reason}`) : null],
    ['case.expected_by', c.second_half_expected_by ? fmtDate(c.second_half_expected_by) : null],
    ['case.close_reason', c.close_reason],
    ['case.exemption', c.digital_post_exemption ? t(`ex.status.${c.digital_post_exemption}`) : null],
  ].filter(([, v]) => v);
  return h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', {}, t(k)), h('dd', {}, v)]));
}

function eventLabel(action) {
  const key = `action.${action}`;
  const text = t(key);
  if (text !== key) return text;
  return action === 'open' || action === 'opened' ? t('event.open') : action;
}

function timeline(events) {
  return h('ol', { class: 'timeline' }, events.map((e) => h('li', {},
    h('div', { class: 'when' }, h('time', { datetime: e.occurred_at }, fmtTime(e.occurred_at))),
    h('div', { class: 'what' }, eventLabel(e.action), ' → ', t(`status.${e.to_status}`)),
    h('div', {}, `${e.actor.name} (${t(`role.${e.actor.role}`)}${e.actor.office ? `, ${e.actor.office}` : ''})`),
    e.evidence?.reason ? h('div', {}, `${t('form.reason')}: ${e.evidence.reason}`) : null,
    e.evidence?.nemid_number ? h('div', {}, `${t('case.nemid_number')}: ${e.evidence.nemid_number}`) : null)));
}

/** What this role may do of what the case's state allows: supervisors only cancel (docs/API.md, Who may do what). */
function actionsFor(role, allowed) {
  return role === 'supervisor' ? allowed.filter((a) => a === 'cancel') : allowed;
}

export async function casePage(el, ctx, id) {
  let current;
  let events;
  let notice = ctx.notice;

  async function load() {
    const [c, ev] = await Promise.all([api('GET', `/api/v1/cases/${id}`), api('GET', `/api/v1/cases/${id}/events`)]);
    current = c.data;
    events = ev.data.items;
  }

  const panel = actionPanel({
    root: el,
    forms: FORMS,
    label: (a) => t(`action.${a}`),
    danger: (a) => ['reject', 'cancel'].includes(a),
    // Their photo ID types are the server's; read once, when first needed.
    prepare: async (a) => { if (a === 'identity-check' || a === 'accompanying-holder') await loadSettings(); },
    send: async (action, body, key) => (await api('POST', `/api/v1/cases/${id}/${action}`, { body, ifMatch: current.version, idempotencyKey: key })).data,
    accept: (data) => { current = data; },
    history: async () => { events = (await api('GET', `/api/v1/cases/${id}/events`)).data.items; },
    reload: load,
    doneText: (action) => t('case.done', { action: t(`action.${action}`) }),
    staleText: t('case.changed_elsewhere'),
    say: (n) => {
      notice = n;
      announce(n.text);
      render(true);
    },
    rerender: () => render(),
  });

  function render(focusNotice = false) {
    const c = current;
    const { buttons, form } = panel.view(c, actionsFor(ctx.me.role, c.allowed_actions));
    const noticeEl = noticeBox(notice);
    mount(el,
      ctx.me.role === 'supervisor'
        ? h('p', {}, h('a', { href: '#/overview' }, `← ${t('nav.overview')}`))
        : h('p', {}, h('a', { href: '#/queue' }, `← ${t('nav.queue')}`)),
      h('h1', {}, t('case.title', { number: c.case_number }), ' ', statusBadge(c)),
      noticeEl,
      h('div', { class: 'cols' },
        h('div', {},
          h('section', { 'aria-labelledby': 'facts-h' }, h('h2', { id: 'facts-h' }, t('case.facts')), facts(c)),
          h('section', { 'aria-labelledby': 'next-h' },
            h('h2', { id: 'next-h' }, t('case.next')),
            buttons.length ? h('div', { class: 'actions' }, buttons) : h('p', { class: 'empty' }, t(c.allowed_actions.length ? 'case.no_actions_role' : 'case.no_actions')),
            form)),
        h('section', { 'aria-labelledby': 'timeline-h' }, h('h2', { id: 'timeline-h' }, t('case.timeline')), timeline(events))));
    if (focusNotice && noticeEl) {
      noticeEl.setAttribute('tabindex', '-1');
      noticeEl.focus();
    }
  }

  try {
    await load();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    mount(el, h('h1', {}, t('case.title', { number: '' })),
      noticeBox({ kind: 'error', text: err.status === 404 ? t('case.not_found') : problemText(err) }));
    return;
  }
  render();
}
