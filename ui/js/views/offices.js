// Administrators: the offices (also inactive ones), and opening a new one. Administrators have
// no access to cases.

import { h, mount, noticeBox, tableWrap, announce } from '../dom.js';
import { t } from '../i18n.js';
import { api, all } from '../api.js';
import { field, radios, readForm, showProblem, clearErrors, busy, problemText } from '../forms.js';
import { addressFields } from './new_case.js';

function officeForm(onCreated) {
  const bank = field({ name: 'bank_name', label: t('off.bank_name') });
  bank.hidden = true;
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'new-office-h' },
    h('h2', { id: 'new-office-h' }, t('off.new')),
    field({ name: 'code', label: t('off.code'), hint: t('off.code_hint'), attrs: { maxlength: '32', spellcheck: 'false' } }),
    field({ name: 'name', label: t('off.name') }),
    radios({
      name: 'kind', legend: t('off.kind'), value: 'citizen_service_centre',
      options: [['citizen_service_centre', t('off.kind.citizen_service_centre')], ['bank_branch', t('off.kind.bank_branch')],
        ['online_service', t('off.kind.online_service')]],
      onChange: (e) => { bank.hidden = e.target.value !== 'bank_branch'; },
    }),
    bank,
    addressFields('address'),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('off.create'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = readForm(form);
    busy(form, async () => {
      try {
        // No idempotency key here: a repeated create is refused by the unique code (409).
        const { data } = await api('POST', '/api/v1/offices', { body });
        onCreated(data);
      } catch (err) {
        showProblem(form, err, { office_code_taken: 'code' });
      }
    });
  });
  return form;
}

export async function offices(el, ctx) {
  let list;
  try {
    const items = await all((c) => `/api/v1/offices?limit=100&include_inactive=true${c ? `&cursor=${encodeURIComponent(c)}` : ''}`, 10000);
    list = items.length ? tableWrap(t('off.title'), h('table', {},
      h('caption', { class: 'visually-hidden' }, t('off.title')),
      h('thead', {}, h('tr', {}, ['off.code', 'off.name', 'off.kind', 'case.address', 'off.active'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, items.map((o) => h('tr', {},
        h('td', {}, o.code), h('td', {}, o.name), h('td', {}, t(`off.kind.${o.kind}`)),
        h('td', {}, `${o.address.street}, ${o.address.postal_code} ${o.address.city}`),
        h('td', {}, o.active ? t('yes') : t('no'))))))) : h('p', { class: 'empty' }, t('off.none'));
  } catch (err) {
    list = noticeBox({ kind: 'error', text: problemText(err) });
  }
  const created = async (office) => {
    const text = t('off.created', { code: office.code });
    await offices(el, { ...ctx, notice: { kind: 'ok', text } });
    announce(text);
  };
  mount(el, h('h1', {}, t('off.title')), noticeBox(ctx.notice), h('p', { class: 'lead' }, t('off.lead')),
    h('h2', {}, t('off.list')), list, officeForm(created));
}
