// The case page: status and facts, the actions the case allows now as buttons with their
// evidence forms, and the audit trail as a timeline. Every change is sent with the version the
// clerk saw (If-Match); if someone else changed the case meanwhile (412) it is reloaded.

import { h, mount, noticeBox, announce } from '../dom.js';
import { t, fmtTime, fmtDate, copenhagenToday, lang } from '../i18n.js';
import { api, ApiError, idempotency } from '../api.js';
import { documentButton } from '../documents.js';
import { field, checkbox, textarea, select, group, problemText, readForm, showProblem, clearErrors, busy } from '../forms.js';
import { actionPanel } from '../actions.js';
import { loadSettings, photoIdFields, identityForm, collectionForm } from '../evidence.js';
import { statusBadge } from './queue.js';
import { addressFields } from './new_case.js';
import { go } from '../main.js';

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
  'second-half': (c) => postingForm(c),
  'post-both': (c) => postingForm(c, t('form.post_both_intro')),
  'hold-for-collection': (c) => ({ fields: [h('p', {}, t('form.confirm_hold', { why: t(`postal_block.${c.postal_block}`) }))] }),
  collect: collectionForm,
  'postal-block': (c) => ({
    fields: [
      select({
        name: 'postal_block', label: t('new.postal_block'), value: c.postal_block || '',
        options: [['', t('postal_block.none')], ['name_address_protection', t('postal_block.name_address_protection')], ['no_usable_address', t('postal_block.no_usable_address')]],
      }),
      textarea({ name: 'reason', label: t('form.postal_block_reason') }),
    ],
    body: (v) => ({ postal_block: v.postal_block || null, reason: v.reason }),
  }),
  returned: () => ({ fields: [textarea({ name: 'reason', label: t('form.reason') })] }),
  reject: () => ({
    fields: [
      group('reasons', t('form.refusal_reasons'),
        REFUSAL_REASONS.map((r) => checkbox({ name: `grounds.${r}`, label: t(`refusal.${r}`) }))),
      textarea({ name: 'explanation', label: t('form.refusal_explanation'), optional: true, hint: t('form.refusal_explanation_hint') }),
    ],
    body: (v) => {
      const body = { reasons: REFUSAL_REASONS.filter((r) => v.grounds?.[r]) };
      if (v.explanation) body.explanation = v.explanation;
      return body;
    },
  }),
  cancel: () => ({ fields: [textarea({ name: 'reason', label: t('form.reason') })] }),
  'first-half': () => ({ fields: [h('p', {}, t('form.confirm_first_half'))] }),
  activation: () => ({ fields: [h('p', {}, t('form.confirm_activation'))] }),
  'issue-in-full': () => ({ fields: [h('p', {}, t('form.confirm_issue_in_full'))] }),
  'card-handout': () => ({ fields: [h('p', {}, t('form.confirm_card_handout'))] }),
  'password-handout': () => ({ fields: [h('p', {}, t('form.confirm_password_handout'))] }),
};

const REFUSAL_REASONS = ['identity_not_established', 'documents_invalid', 'under_age', 'cannot_use_nemid_alone', 'already_has_nemid', 'other'];

/** Posting to the address on file, or to a corrected one. */
function postingForm(c, intro) {
  {
    const addr = group('address', t('form.posting_address'), addressFields('address', c.applicant.address || {}));
    addr.hidden = true;
    const toggle = h('input', { type: 'checkbox', id: 'post-elsewhere', 'aria-controls': 'posting-address', onChange: (e) => { addr.hidden = !e.target.checked; } });
    addr.id = 'posting-address';
    return {
      fields: [
        intro ? h('p', {}, intro) : null,
        c.applicant.address ? h('p', {}, `${c.applicant.address.street}, ${c.applicant.address.postal_code} ${c.applicant.address.city}`) : null,
        h('div', { class: 'field inline' }, toggle, h('label', { for: 'post-elsewhere' }, t('form.post_elsewhere'))),
        addr,
      ],
    };
  }
}

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
    ['case.identity_route', c.identity_route ? t(`form.route.${c.identity_route}`) : null],
    ['case.postal_block', c.postal_block ? t(`postal_block.${c.postal_block}`) : null],
    ['case.expected_by', c.second_half_expected_by ? fmtDate(c.second_half_expected_by) : null],
    ['case.collect_by', c.collect_by ? [fmtDate(c.collect_by), c.uncollected ? [' ', h('span', { class: 'badge overdue' }, t('uncollected'))] : null] : null],
    // A refusal's grounds are shown with its decision.
    ['case.close_reason', c.refusal ? null : c.close_reason],
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

/** What is handed out at the desk: after one of these, the receipt is offered at once. */
const HANDOUTS = ['first-half', 'issue-in-full', 'card-handout', 'password-handout', 'collect'];

/** The case's documents (PDF, from the server), each a button that downloads it; a receipt
 * offered first, and announced, right after a handout. */
function documentsSection(c, events, lang) {
  const docs = c.documents ?? [];
  if (!docs.length) return null;
  const last = events.at(-1);
  const justHandedOut = docs.includes('receipt') && last && HANDOUTS.includes(last.action);
  const button = (kind, primary) => documentButton(`/api/v1/cases/${c.id}/documents/${kind}?lang=${lang}`,
    `${c.case_number}-${kind}-v${c.version}.pdf`, kind, { primary });
  return h('section', { 'aria-labelledby': 'docs-h' },
    h('h2', { id: 'docs-h' }, t('doc.title')),
    justHandedOut ? h('div', { class: 'notice ok', id: 'receipt-offer' },
      h('p', {}, t('doc.receipt_offer')), button('receipt', true)) : null,
    h('div', { class: 'actions' }, docs.filter((d) => !(justHandedOut && d === 'receipt')).map((d) => button(d, false))));
}

function timeline(events) {
  return h('ol', { class: 'timeline' }, events.map((e) => h('li', {},
    h('div', { class: 'when' }, h('time', { datetime: e.occurred_at }, fmtTime(e.occurred_at))),
    h('div', { class: 'what' }, eventLabel(e.action), ' → ', t(`status.${e.to_status}`)),
    h('div', {}, `${e.actor.name} (${t(`role.${e.actor.role}`)}${e.actor.office ? `, ${e.actor.office}` : ''})`),
    e.evidence?.reason ? h('div', {}, `${t('form.reason')}: ${e.evidence.reason}`) : null,
    e.evidence?.reasons ? h('div', {}, `${t('form.refusal_reasons')}: ${e.evidence.reasons.map((r) => t(`refusal.${r}`)).join(', ')}`) : null,
    e.evidence?.route && !e.evidence.documents ? h('div', {}, t(`form.route.${e.evidence.route}`)) : null,
    e.evidence?.documents ? h('div', {}, `${t('form.documents')}: ${e.evidence.documents.map((d) => t(`form.document.${d.type}`)).join(', ')}`) : null,
    e.evidence?.collect_by ? h('div', {}, `${t('case.collect_by')}: ${fmtDate(e.evidence.collect_by)}`) : null,
    e.evidence?.nemid_number ? h('div', {}, `${t('case.nemid_number')}: ${e.evidence.nemid_number}`) : null)));
}

/** The refusal decision as the case records it: grounds and rules, appeal guidance, who and when. */
function decision(c) {
  const d = c.refusal;
  return h('section', { 'aria-labelledby': 'decision-h', class: 'card' },
    h('h2', { id: 'decision-h' }, t('refusal.title')),
    h('ul', {}, d.grounds.map((g) => h('li', {}, h('strong', {}, t(`refusal.${g.reason}`)), ' — ', lang() === 'en' ? g.rule.en : g.rule.da))),
    d.explanation ? h('p', {}, `${t('form.refusal_explanation')}: ${d.explanation}`) : null,
    h('h3', {}, t('refusal.appeal')),
    h('p', {}, lang() === 'en' ? d.appeal_guidance.en : d.appeal_guidance.da),
    h('p', { class: 'hint' }, t('refusal.decided', { name: d.decided_by.name, office: d.decided_by.office || '', when: fmtTime(d.decided_at) })));
}

/**
 * The refusal's pointer to exemption from Digital Post: the request, pre-filled with the
 * applicant, registered in one step (POST /api/v1/exemptions).
 */
function exemptionOffer(c, ctx) {
  if (!c.refusal?.exemption_advised || !c.applicant.cpr || ctx.me.role === 'supervisor') return null;
  const keys = idempotency();
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'exemption-offer-h' },
    h('h2', { id: 'exemption-offer-h' }, t('refusal.exemption_title')),
    h('p', {}, t('refusal.exemption_lead', { name: c.applicant.name })),
    select({
      name: 'reason', label: t('ex.reason'), value: 'cognitive_disability',
      options: ['cognitive_disability', 'physical_disability', 'no_digital_access', 'language'].map((r) => [r, t(`ex.reason.${r}`)]),
    }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('refusal.exemption_submit'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = {
      citizen: { cpr: c.applicant.cpr, name: c.applicant.name },
      reason: readForm(form).reason,
      declaration: 'in_person',
    };
    busy(form, async () => {
      try {
        const { data } = await api('POST', '/api/v1/exemptions', { body, idempotencyKey: keys.for(body) });
        keys.answered();
        go('#/exemptions', { kind: 'ok', text: t('refusal.exemption_done', { name: data.citizen.name }) });
      } catch (err) {
        keys.answered(err);
        showProblem(form, err);
      }
    });
  });
  return form;
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
    prepare: async (a) => { if (['identity-check', 'accompanying-holder', 'collect'].includes(a)) await loadSettings(); },
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
          c.refusal ? decision(c) : null,
          documentsSection(c, events, lang()),
          exemptionOffer(c, ctx),
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
