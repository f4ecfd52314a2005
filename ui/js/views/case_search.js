// Supervisors find a case at any office: by case number, by the applicant's CPR number (sent in
// the POST body, never in a URL), by status, office and when it was opened; paged, CPR numbers
// masked as in every list.

import { h, mount, noticeBox } from '../dom.js';
import { t } from '../i18n.js';
import { api, all } from '../api.js';
import { field, select, readForm, clearErrors, fieldError, showProblem, busy, pager } from '../forms.js';
import { parseCpr } from '../cpr.js';
import { caseTable, STATUSES } from './queue.js';

const PAGE = 25;
const CASE_NUMBER = /^[A-Z0-9][A-Z0-9-]{1,31}-[0-9]{4}-[0-9]{6,}$/;

/** Copenhagen midnight at the start of `day` (YYYY-MM-DD), as an RFC 3339 instant. */
function startOfDay(day) {
  // The offset of Copenhagen at noon that day (never a DST switch hour), applied to midnight.
  const noon = new Date(`${day}T12:00:00Z`);
  const local = new Date(noon.toLocaleString('en-US', { timeZone: 'Europe/Copenhagen' }));
  const utc = new Date(noon.toLocaleString('en-US', { timeZone: 'UTC' }));
  const offsetMin = Math.round((local - utc) / 60000);
  return new Date(new Date(`${day}T00:00:00Z`).getTime() - offsetMin * 60000).toISOString();
}

function nextDay(day) {
  return new Date(new Date(`${day}T00:00:00Z`).getTime() + 86400000).toISOString().slice(0, 10);
}

export async function caseSearch(el, ctx) {
  const offices = await all((c) => `/api/v1/offices?limit=100${c ? `&cursor=${encodeURIComponent(c)}` : ''}`);
  const results = h('div');
  const form = h('form', { class: 'filters', role: 'search', novalidate: true },
    field({ name: 'case_number', label: t('search.case_number'), hint: t('search.case_number_hint'), optional: true, attrs: { spellcheck: 'false', maxlength: '64', autocapitalize: 'characters' } }),
    field({ name: 'cpr', label: t('search.cpr'), hint: t('new.cpr_hint'), optional: true, attrs: { inputmode: 'numeric', maxlength: '11', spellcheck: 'false' } }),
    select({ name: 'status', label: t('queue.status'), value: '', options: [['', t('search.any_status')], ...STATUSES.map((s) => [s, t(`status.${s}`)])] }),
    select({ name: 'office_id', label: t('col.office'), value: '', options: [['', t('sup.all_offices')], ...offices.map((o) => [o.id, `${o.code} — ${o.name}`])] }),
    field({ name: 'from', label: t('search.opened_from'), type: 'date', optional: true }),
    field({ name: 'to', label: t('search.opened_to'), type: 'date', optional: true }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('queue.search'))));

  // Answers for an earlier search are dropped.
  let searches = 0;
  function body(values) {
    const b = { limit: PAGE };
    if (values.case_number) b.case_number = values.case_number.trim().toUpperCase();
    if (values.cpr) b.cpr = values.cpr.trim();
    if (values.status) b.status = [values.status];
    if (values.office_id) b.office_id = values.office_id;
    if (values.from) b.opened_from = startOfDay(values.from);
    if (values.to) b.opened_to = startOfDay(nextDay(values.to));
    return b;
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    const values = readForm(form);
    let ok = true;
    if (values.case_number && !CASE_NUMBER.test(values.case_number.trim().toUpperCase())) {
      fieldError(form, 'case_number', t('search.case_number_invalid'));
      ok = false;
    }
    if (values.cpr && !parseCpr(values.cpr).ok) {
      fieldError(form, 'cpr', t('queue.cpr_invalid'));
      ok = false;
    }
    if (values.from && values.to && values.to < values.from) {
      fieldError(form, 'to', t('search.range_invalid'));
      ok = false;
    }
    if (!ok) {
      form.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    const generation = ++searches;
    const request = body(values);
    const cursors = [];
    const load = async (cursor) => {
      const { data } = await api('POST', '/api/v1/cases/search', { body: cursor ? { ...request, cursor } : request });
      if (generation !== searches) return;
      mount(results, h('section', {},
        h('h2', { tabindex: '-1' }, t('search.results')),
        caseTable(data.items, t('search.results'), true),
        pager(cursors, data.next_cursor, load, () => results.querySelector('h2'))));
    };
    busy(form, async () => {
      try {
        await load(null);
        results.querySelector('h2')?.focus();
      } catch (err) {
        showProblem(form, err, { opened_to: 'to', opened_from: 'from' });
      }
    });
  });
  mount(el,
    h('h1', {}, t('search.title')),
    noticeBox(ctx.notice),
    h('p', { class: 'lead' }, t('search.lead')),
    form,
    results);
}
