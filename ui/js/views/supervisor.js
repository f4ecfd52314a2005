// The supervisor's overview: cases by status per office, overdue code cards, and throughput per
// day as a chart with its CSV.

import { h, mount, noticeBox, announce, tableWrap } from '../dom.js';
import { t, fmtDate, fmtDay, fmtTime, copenhagenToday } from '../i18n.js';
import { api, all, downloadCsv } from '../api.js';
import { field, select, problemText, readForm, clearErrors, showProblem, checkRequired, pager } from '../forms.js';
import { barChart } from '../chart.js';
import { STATUSES } from './queue.js';


const state = { office: '', from: null, to: null };

function q(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

function countsTable(report) {
  const cols = [...STATUSES, 'overdue', 'uncollected'];
  const row = (label, r, isHead) => h('tr', {},
    isHead ? h('th', { scope: 'row' }, label) : h('td', {}, label),
    cols.map((s) => h('td', { class: 'num', dataset: { status: s } }, String(r[s]))));
  return tableWrap(t('sup.counts'), h('table', { id: 'status-counts' },
    h('caption', {}, t('sup.counts'), ' — ', t('sup.today', { today: fmtDate(report.today) })),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('col.office')), cols.map((s) => h('th', { scope: 'col', class: 'num' }, t(`status.${s}`))))),
    h('tbody', {}, report.rows.map((r) => row(r.office_code, r, true))),
    h('tfoot', {}, row(t('sup.total'), report.totals, false))));
}

/** The same totals per kind of case: first issuance and each kind of service case. */
function kindsTable(report) {
  const cols = [...STATUSES, 'overdue', 'uncollected'];
  return tableWrap(t('sup.by_kind'), h('table', { id: 'kind-counts' },
    h('caption', {}, t('sup.by_kind')),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('col.kind')), cols.map((s) => h('th', { scope: 'col', class: 'num' }, t(`status.${s}`))))),
    h('tbody', {}, report.by_kind.map((r) => h('tr', { dataset: { kind: r.kind } },
      h('th', { scope: 'row' }, t(`kind.${r.kind}`)),
      cols.map((s) => h('td', { class: 'num', dataset: { status: s } }, String(r[s]))))))));
}

function overdueTable(page) {
  if (!page.items.length) return h('p', { class: 'empty' }, t('sup.overdue_none'));
  return tableWrap(t('sup.overdue'), h('table', {},
    h('caption', { class: 'visually-hidden' }, t('sup.overdue')),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('col.case')), h('th', { scope: 'col' }, t('col.office')), h('th', { scope: 'col' }, t('col.cpr')),
      h('th', { scope: 'col' }, t('col.late')), h('th', { scope: 'col' }, t('col.since')), h('th', { scope: 'col' }, t('col.due')),
      h('th', { scope: 'col', class: 'num' }, t('col.days_overdue')))),
    h('tbody', {}, page.items.map((i) => h('tr', {},
      h('td', {}, h('a', { href: `#/cases/${i.case_id}` }, i.case_number)), h('td', {}, i.office_code), h('td', {}, i.cpr_masked),
      h('td', {}, t(i.kind === 'uncollected' ? 'uncollected' : 'col.late_post')),
      h('td', {}, fmtTime(i.second_half_posted_at || i.held_at)), h('td', {}, fmtDate(i.due)),
      h('td', { class: 'num' }, String(i.days_overdue)))))));
}

/** Every day of [from, to], with opened and completed summed over offices. */
function perDay(report) {
  const days = [];
  for (let d = new Date(`${report.from}T00:00:00Z`); d <= new Date(`${report.to}T00:00:00Z`); d = new Date(d.getTime() + 86400000)) {
    days.push(d.toISOString().slice(0, 10));
  }
  const opened = Object.fromEntries(days.map((d) => [d, 0]));
  const completed = Object.fromEntries(days.map((d) => [d, 0]));
  for (const r of report.rows) {
    if (!(r.period_start in opened)) continue;
    opened[r.period_start] += r.opened;
    completed[r.period_start] += r.completed_standard + r.completed_express + r.completed_replacement_card + r.completed_new_password
      + r.completed_online;
  }
  return { days, opened: days.map((d) => opened[d]), completed: days.map((d) => completed[d]) };
}

function throughputView(report) {
  const { days, opened, completed } = perDay(report);
  const caption = t('sup.chart_caption', { from: fmtDate(report.from), to: fmtDate(report.to) });
  const sum = (a) => a.reduce((x, y) => x + y, 0);
  return [
    h('div', { class: 'legend', 'aria-hidden': 'true' },
      h('span', {}, h('span', { class: 'swatch opened' }), t('sup.opened')),
      h('span', {}, h('span', { class: 'swatch completed' }), t('sup.completed'))),
    h('figure', { class: 'chart' },
      barChart({
        labels: days.map(fmtDay),
        series: [
          { name: t('sup.opened'), cls: 'bar-opened', values: opened },
          { name: t('sup.completed'), cls: 'bar-completed', values: completed },
        ],
        title: t('sup.throughput'),
        desc: `${caption} ${t('sup.opened')}: ${sum(opened)}. ${t('sup.completed')}: ${sum(completed)}.`,
      }),
      h('figcaption', {}, caption)),
    h('details', {}, h('summary', {}, t('sup.chart_table')),
      tableWrap(t('sup.chart_table'), h('table', { id: 'throughput-table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('sup.day')), h('th', { scope: 'col', class: 'num' }, t('sup.opened')), h('th', { scope: 'col', class: 'num' }, t('sup.completed')))),
        h('tbody', {}, days.map((d, i) => h('tr', {}, h('th', { scope: 'row' }, fmtDate(d)), h('td', { class: 'num' }, String(opened[i])), h('td', { class: 'num' }, String(completed[i])))))))),
  ];
}

export async function overview(el, ctx) {
  state.from ??= copenhagenToday(-29);
  state.to ??= copenhagenToday();
  const offices = await all((c) => `/api/v1/offices?limit=100${c ? `&cursor=${encodeURIComponent(c)}` : ''}`);
  const counts = h('section');
  const overdue = h('section');
  const chart = h('div', { id: 'throughput' });

  const officeSel = select({
    name: 'office', label: t('sup.office_filter'), value: state.office,
    options: [['', t('sup.all_offices')], ...offices.map((o) => [o.id, `${o.code} — ${o.name}`])],
    onChange: (e) => { state.office = e.target.value; load(); },
  });

  const rangeForm = h('form', { class: 'filters', novalidate: true, 'aria-label': t('sup.throughput') },
    field({ name: 'from', label: t('sup.from'), type: 'date', value: state.from }),
    field({ name: 'to', label: t('sup.to'), type: 'date', value: state.to }),
    h('div', { class: 'actions' },
      h('button', { type: 'submit' }, t('sup.show')),
      h('button', { type: 'button', class: 'secondary', id: 'download-csv', onClick: () => csv() }, t('sup.csv'))));
  rangeForm.addEventListener('submit', (e) => { e.preventDefault(); loadThroughput(); });

  const throughputUrl = () => {
    const v = readForm(rangeForm);
    state.from = v.from;
    state.to = v.to;
    return `/api/v1/reports/throughput${q({ from: v.from, to: v.to, granularity: 'day', office_id: state.office })}`;
  };

  async function csv() {
    clearErrors(rangeForm);
    if (!checkRequired(rangeForm)) return;
    try {
      await downloadCsv(throughputUrl(), `throughput-${state.from}-${state.to}.csv`);
    } catch (err) {
      showProblem(rangeForm, err);
    }
  }

  async function loadThroughput(generation = loads) {
    clearErrors(rangeForm);
    if (!checkRequired(rangeForm)) return;
    try {
      const { data } = await api('GET', throughputUrl());
      if (generation === loads) mount(chart, throughputView(data));
    } catch (err) {
      mount(chart);
      showProblem(rangeForm, err);
    }
  }

  // Answers of an earlier load (the office changed meanwhile) are dropped.
  let loads = 0;
  const overdueCursors = [];
  async function loadOverdue(cursor = overdueCursors.at(-1) ?? null) {
    const generation = loads;
    try {
      const { data } = await api('GET', `/api/v1/reports/overdue${q({ office_id: state.office, limit: '25', cursor })}`);
      if (generation !== loads) return;
      mount(overdue, h('h2', { id: 'overdue-h', tabindex: '-1' }, t('sup.overdue')), overdueTable(data),
        pager(overdueCursors, data.next_cursor, loadOverdue, () => overdue.querySelector('h2')));
    } catch (err) {
      if (generation === loads) mount(overdue, h('h2', { id: 'overdue-h' }, t('sup.overdue')), noticeBox({ kind: 'error', text: problemText(err) }));
    }
  }

  async function load() {
    loads += 1;
    const generation = loads;
    const s = await api('GET', `/api/v1/reports/status${q({ office_id: state.office })}`).then((r) => ({ ok: r }), (err) => ({ err }));
    if (generation !== loads) return;
    mount(counts, h('h2', { id: 'counts-h' }, t('sup.counts')),
      s.ok ? [countsTable(s.ok.data), s.ok.data.by_kind.length ? kindsTable(s.ok.data) : null] : noticeBox({ kind: 'error', text: problemText(s.err) }));
    overdueCursors.length = 0; // a new office or a refresh starts at the first page
    await Promise.all([loadOverdue(null), loadThroughput(generation)]);
  }

  mount(el,
    h('h1', {}, t('sup.title')),
    noticeBox(ctx.notice),
    h('p', { class: 'lead' }, t('sup.lead')),
    h('div', { class: 'filters', role: 'search' }, officeSel,
      h('button', { type: 'button', class: 'secondary', id: 'refresh', onClick: async () => { await load(); announce(t('refresh')); } }, t('refresh'))),
    counts, overdue,
    h('section', { 'aria-labelledby': 'throughput-h' }, h('h2', { id: 'throughput-h' }, t('sup.throughput')), rangeForm, chart));
  await load();
}
