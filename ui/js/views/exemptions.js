// Exemptions from Digital Post waiting for a supervisor's decision, oldest first in the order
// the server lists them, each with its decision form.

import { h, mount, noticeBox, announce } from '../dom.js';
import { t, fmtTime } from '../i18n.js';
import { api, newIdempotencyKey } from '../api.js';
import { radios, textarea, readForm, showProblem, busy, problemText } from '../forms.js';

function decisionForm(x, done) {
  let key = newIdempotencyKey();
  const form = h('form', { novalidate: true, 'aria-label': `${t('ex.decide')}: ${x.citizen.name}` },
    radios({ name: 'outcome', legend: t('ex.outcome'), value: null, options: [['granted', t('ex.grant')], ['refused', t('ex.refuse')]] }),
    textarea({ name: 'reason', label: t('ex.decision_reason') }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('save'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = readForm(form);
    if (!body.outcome) body.outcome = null;
    busy(form, async () => {
      try {
        await api('POST', `/api/v1/exemptions/${x.id}/decision`, { body, ifMatch: x.version, idempotencyKey: key });
        done({ kind: 'ok', text: t('ex.decided') });
      } catch (err) {
        if (err.status === 412) {
          done({ kind: 'warn', text: t('case.changed_elsewhere') });
          return;
        }
        if (err.status !== 0 && err.status !== 503) key = newIdempotencyKey();
        showProblem(form, err);
      }
    });
  });
  return form;
}

export async function exemptions(el, ctx) {
  const list = h('div');
  let notice = ctx.notice;
  async function load() {
    let page;
    try {
      page = (await api('POST', '/api/v1/exemptions/search', { body: { status: ['pending'], limit: 50 } })).data;
    } catch (err) {
      mount(list, noticeBox({ kind: 'error', text: problemText(err) }));
      return;
    }
    const n = noticeBox(notice);
    notice = null;
    mount(list, n, page.items.length ? page.items.map((x) => h('section', { class: 'card', 'aria-labelledby': `ex-${x.id}` },
      h('h2', { id: `ex-${x.id}` }, `${x.citizen.name} (${x.citizen.cpr_masked})`),
      h('dl', { class: 'facts' },
        h('dt', {}, t('col.reason')), h('dd', {}, t(`ex.reason.${x.reason}`)),
        x.note ? [h('dt', {}, t('ex.note')), h('dd', {}, x.note)] : null,
        h('dt', {}, t('col.office')), h('dd', {}, x.office_code),
        h('dt', {}, t('col.registered')), h('dd', {}, fmtTime(x.registered_at)),
        h('dt', {}, t('ex.declaration')), h('dd', {}, t(`ex.declaration.${x.declaration}`), x.proxy ? ` — ${x.proxy.name} (${x.proxy.cpr_masked})` : '')),
      decisionForm(x, (msg) => { notice = msg; announce(msg.text); load(); })))
      : h('p', { class: 'empty' }, t('ex.none')));
    if (n) { n.setAttribute('tabindex', '-1'); n.focus(); }
  }
  mount(el, h('h1', {}, t('ex.title')), h('p', { class: 'lead' }, t('ex.lead')), list);
  await load();
}
