// Administrators: the offices (also inactive ones). Offices are created and changed through the
// API (`/api/v1/offices`); administrators have no access to cases.

import { h, mount, noticeBox, tableWrap } from '../dom.js';
import { t } from '../i18n.js';
import { all } from '../api.js';
import { problemText } from '../forms.js';

export async function offices(el, ctx) {
  let list;
  try {
    const items = await all((c) => `/api/v1/offices?limit=100&include_inactive=true${c ? `&cursor=${encodeURIComponent(c)}` : ''}`, 10000);
    list = items.length ? tableWrap(t('off.title'), h('table', {},
      h('caption', {}, t('off.title')),
      h('thead', {}, h('tr', {}, ['off.code', 'off.name', 'off.kind', 'case.address', 'off.active'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, items.map((o) => h('tr', {},
        h('td', {}, o.code), h('td', {}, o.name), h('td', {}, t(`off.kind.${o.kind}`)),
        h('td', {}, `${o.address.street}, ${o.address.postal_code} ${o.address.city}`),
        h('td', {}, o.active ? t('yes') : t('no'))))))) : h('p', { class: 'empty' }, t('queue.empty'));
  } catch (err) {
    list = noticeBox({ kind: 'error', text: problemText(err) });
  }
  mount(el, h('h1', {}, t('off.title')), noticeBox(ctx.notice), h('p', { class: 'lead' }, t('off.lead')), list);
}
