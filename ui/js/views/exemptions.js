// Exemptions from Digital Post. Clerks register a citizen's request (in person or by proxy) and
// follow their office's requests; supervisors decide the pending ones.

import { h, mount, noticeBox, announce, tableWrap } from '../dom.js';
import { t, fmtTime, lang as currentLang } from '../i18n.js';
import { api, idempotency } from '../api.js';
import { documentButton } from '../documents.js';
import { field, checkbox, radios, select, textarea, group, readForm, showProblem, busy, problemText, checkRequired, clearErrors, pager, onVersionedSubmit } from '../forms.js';

const REASONS = ['language', 'cognitive_disability', 'physical_disability', 'no_digital_access', 'other'];

function decisionForm(x, done) {
  const form = h('form', { novalidate: true, 'aria-label': `${t('ex.decide')}: ${x.citizen.name}` },
    radios({ name: 'outcome', legend: t('ex.outcome'), value: null, options: [['granted', t('ex.grant')], ['refused', t('ex.refuse')]] }),
    textarea({ name: 'reason', label: t('ex.decision_reason'), optional: true }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('save'))));
  return onVersionedSubmit(form, {
    send: (body, key) => api('POST', `/api/v1/exemptions/${x.id}/decision`, { body, ifMatch: x.version, idempotencyKey: key }),
    done: () => done({ kind: 'ok', text: t('ex.decided') }),
    stale: () => done({ kind: 'warn', text: t('ex.changed_elsewhere') }),
  });
}

function facts(x) {
  return h('dl', { class: 'facts' },
    h('dt', {}, t('ex.reason')), h('dd', {}, t(`ex.reason.${x.reason}`)),
    x.note ? [h('dt', {}, t('ex.note')), h('dd', {}, x.note)] : null,
    h('dt', {}, t('col.office')), h('dd', {}, x.office_code),
    h('dt', {}, t('col.registered')), h('dd', {}, fmtTime(x.registered_at)),
    h('dt', {}, t('ex.declaration')), h('dd', {}, t(`ex.declaration.${x.declaration}`), x.proxy ? ` — ${x.proxy.name} (${x.proxy.cpr_masked})` : ''));
}

async function decide(el, ctx) {
  const list = h('div');
  let notice = ctx.notice;
  const cursors = [];
  async function load(cursor = cursors.at(-1) ?? null) {
    let page;
    try {
      page = (await api('POST', '/api/v1/exemptions/search', { body: { status: ['pending'], limit: 25, cursor } })).data;
    } catch (err) {
      mount(list, noticeBox({ kind: 'error', text: problemText(err) }));
      return;
    }
    const n = noticeBox(notice);
    notice = null;
    mount(list, n, page.items.length ? page.items.map((x) => h('section', { class: 'card', 'aria-labelledby': `ex-${x.id}` },
      h('h2', { id: `ex-${x.id}` }, `${x.citizen.name} (${x.citizen.cpr_masked})`),
      facts(x),
      decisionForm(x, (msg) => { notice = msg; announce(msg.text); load(); loadGranted(); })))
      : h('p', { class: 'empty' }, t('ex.none')),
    pager(cursors, page.next_cursor, load, () => el.querySelector('h1')));
    if (n) { n.setAttribute('tabindex', '-1'); n.focus(); }
  }
  // Granted exemptions of every office, newest first: a supervisor may revoke them too.
  const granted = h('section');
  const grantedCursors = [];
  async function loadGranted(cursor = grantedCursors.at(-1) ?? null, msg = null) {
    const heading = h('h2', { tabindex: '-1' }, t('ex.granted_list'));
    try {
      const { data } = await api('POST', '/api/v1/exemptions/search', { body: { status: ['granted'], limit: 25, cursor } });
      mount(granted, heading, noticeBox(msg), officeList(data.items, (m) => loadGranted(undefined, m).then(() => {
        announce(m.text);
        granted.querySelector('.notice')?.setAttribute('tabindex', '-1');
        granted.querySelector('.notice')?.focus();
      })),
      pager(grantedCursors, data.next_cursor, loadGranted, () => granted.querySelector('h2')));
    } catch (err) {
      mount(granted, heading, noticeBox({ kind: 'error', text: problemText(err) }));
    }
  }
  mount(el, h('h1', { tabindex: '-1' }, t('ex.title')), h('p', { class: 'lead' }, t('ex.lead')), list, granted);
  await Promise.all([load(), loadGranted()]);
}

/** The revoke form under a granted exemption's row. */
function revokeForm(x, done) {
  const form = h('form', { novalidate: true, 'aria-label': `${t('ex.revoke')}: ${x.citizen.name}` },
    textarea({ name: 'reason', label: t('ex.revoke_reason') }),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'danger' }, t('ex.revoke')),
      h('button', { type: 'button', class: 'secondary', onClick: () => done(null) }, t('cancel_form'))));
  return onVersionedSubmit(form, {
    send: (body, key) => api('POST', `/api/v1/exemptions/${x.id}/revoke`, { body, ifMatch: x.version, idempotencyKey: key }),
    done: () => done({ kind: 'ok', text: t('ex.revoked') }),
    stale: () => done({ kind: 'warn', text: t('ex.changed_elsewhere') }),
  });
}

/** An exemption's documents: the decision once decided, the revocation once revoked. */
function exemptionDocuments(x) {
  const docs = [];
  const lang = currentLang();
  for (const [kind, when] of [['decision', x.decided_at], ['revocation', x.revoked_at]]) {
    if (!when) continue;
    docs.push(documentButton(`/api/v1/exemptions/${x.id}/documents/${kind}?lang=${lang}`, `exemption-${kind}-v${x.version}.pdf`, kind,
      { label: `${t('doc.get', { name: t(`doc.${kind}`) })}: ${x.citizen.name}` }), ' ');
  }
  return docs;
}

function officeList(items, reload) {
  if (!items.length) return h('p', { class: 'empty' }, t('ex.none_listed'));
  const body = h('tbody');
  for (const x of items) {
    const row = h('tr', {},
      h('td', {}, x.citizen.name), h('td', {}, x.citizen.cpr_masked), h('td', {}, t(`ex.reason.${x.reason}`)),
      h('td', {}, h('span', { class: `badge${x.status === 'granted' ? ' done' : x.status === 'pending' ? '' : ' closed'}` }, t(`ex.status.${x.status}`))),
      h('td', {}, fmtTime(x.registered_at)), h('td', {}, x.decision_reason || x.revoke_reason || ''),
      h('td', {}, ...exemptionDocuments(x), x.allowed_actions.includes('revoke')
        ? h('button', {
          type: 'button',
          class: 'secondary',
          'aria-label': `${t('ex.revoke')}: ${x.citizen.name}`,
          'aria-expanded': 'false',
          onClick: (e) => {
            const button = e.currentTarget;
            // One form per row: the button opens and closes it.
            const shown = row.nextElementSibling?.dataset.revokeFor === x.id ? row.nextElementSibling : null;
            if (shown) {
              shown.remove();
              button.setAttribute('aria-expanded', 'false');
              return;
            }
            const formRow = h('tr', { dataset: { revokeFor: x.id } }, h('td', { colspan: '7' }, revokeForm(x, (msg) => {
              if (msg) reload(msg);
              else { formRow.remove(); button.setAttribute('aria-expanded', 'false'); button.focus(); }
            })));
            row.after(formRow);
            button.setAttribute('aria-expanded', 'true');
            formRow.querySelector('textarea').focus();
          },
        }, t('ex.revoke'))
        : ''));
    body.append(row);
  }
  return tableWrap(t('ex.office_list'), h('table', {},
    h('caption', { class: 'visually-hidden' }, t('ex.office_list')),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('col.citizen')), h('th', { scope: 'col' }, t('col.cpr')), h('th', { scope: 'col' }, t('ex.reason')),
      h('th', { scope: 'col' }, t('col.status')), h('th', { scope: 'col' }, t('col.registered')), h('th', { scope: 'col' }, t('ex.decision_reason_label')),
      h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('col.actions'))))),
    body));
}

async function register(el, ctx) {
  const keys = idempotency();
  const listBox = h('section');
  const proxy = group('proxy', t('ex.proxy'),
    field({ name: 'proxy.name', label: t('ex.proxy_name') }),
    field({ name: 'proxy.cpr', label: t('ex.proxy_cpr'), hint: t('new.cpr_hint'), attrs: { inputmode: 'numeric', maxlength: '11' } }),
    checkbox({ name: 'proxy.power_of_attorney_seen', label: t('ex.proxy_seen') }));
  proxy.hidden = true;
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'register-h' },
    h('h2', { id: 'register-h' }, t('ex.register')),
    h('p', { class: 'hint' }, t('ex.register_lead')),
    group('citizen', t('ex.citizen'),
      field({ name: 'citizen.cpr', label: t('ex.citizen_cpr'), hint: t('new.cpr_hint'), attrs: { inputmode: 'numeric', maxlength: '11' } }),
      field({ name: 'citizen.name', label: t('ex.citizen_name') })),
    select({ name: 'reason', label: t('ex.reason'), options: REASONS.map((r) => [r, t(`ex.reason.${r}`)]), value: 'no_digital_access' }),
    textarea({ name: 'note', label: t('ex.note'), hint: t('ex.note_hint'), optional: true }),
    radios({
      name: 'declaration', legend: t('ex.declared_by'), value: 'in_person',
      options: [['in_person', t('ex.declaration.in_person')], ['proxy', t('ex.declaration.proxy')]],
      onChange: (e) => { proxy.hidden = e.target.value !== 'proxy'; },
    }),
    proxy,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('ex.submit'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    if (!checkRequired(form)) return;
    const body = readForm(form);
    busy(form, async () => {
      try {
        await api('POST', '/api/v1/exemptions', { body, idempotencyKey: keys.for(body) });
        keys.answered();
        // A fresh screen for the next citizen, with the confirmation on top.
        await register(el, { ...ctx, notice: { kind: 'ok', text: t('ex.registered') } });
        announce(t('ex.registered'));
        el.querySelector('.notice')?.setAttribute('tabindex', '-1');
        el.querySelector('.notice')?.focus();
      } catch (err) {
        keys.answered(err);
        showProblem(form, err, { exemption_exists: 'citizen.cpr' });
      }
    });
  });
  // The office's requests, newest first, a page at a time; a revoke reloads this list only.
  const cursors = [];
  async function loadList(cursor = cursors.at(-1) ?? null, notice = null) {
    const heading = h('h2', { id: 'office-ex-h', tabindex: '-1' }, t('ex.office_list'));
    try {
      const { data } = await api('POST', '/api/v1/exemptions/search', { body: { limit: 25, cursor } });
      const n = noticeBox(notice);
      mount(listBox, heading, n, officeList(data.items, (msg) => loadList(undefined, msg).then(() => {
        announce(msg.text);
        listBox.querySelector('.notice')?.setAttribute('tabindex', '-1');
        listBox.querySelector('.notice')?.focus();
      })),
      pager(cursors, data.next_cursor, loadList, () => listBox.querySelector('h2')));
    } catch (err) {
      mount(listBox, heading, noticeBox({ kind: 'error', text: problemText(err) }));
    }
  }
  mount(el, h('h1', {}, t('ex.title')), noticeBox(ctx.notice), form, listBox);
  await loadList();
}

export async function exemptions(el, ctx) {
  if (ctx.me.role === 'supervisor') await decide(el, ctx);
  else await register(el, ctx);
}
