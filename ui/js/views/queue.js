// The office's work queue: open cases newest first, filtered by status, overdue ones first on
// request.

import { h, mount, noticeBox, tableWrap } from '../dom.js';
import { t, fmtTime, fmtDate } from '../i18n.js';
import { api } from '../api.js';
import { select, checkbox, field, problemText, readForm, showProblem, clearErrors, fieldError, busy, pager } from '../forms.js';
import { parseCpr } from '../cpr.js';
import { nemidBadge, cardTable } from './nemid.js';

export const OPEN = ['opened', 'identity_verified', 'first_half_issued', 'second_half_posted', 'both_halves_posted', 'returned', 'awaiting_collection', 'holder_verified'];
/** Every state a case can be in, in lifecycle order. */
export const STATUSES = [...OPEN, 'completed', 'cancelled', 'rejected'];
const ALL = STATUSES;
const PAGE = 25;

// Kept while the clerk moves between screens.
const filters = { status: 'open', overdueFirst: false };

export function statusBadge(c) {
  const closed = ['cancelled', 'rejected'].includes(c.status);
  return [
    h('span', { class: `badge${c.status === 'completed' ? ' done' : closed ? ' closed' : ''}` }, t(`status.${c.status}`)),
    c.overdue ? [' ', h('span', { class: 'badge overdue' }, t('overdue'))] : null,
    c.uncollected ? [' ', h('span', { class: 'badge overdue' }, t('uncollected'))] : null,
    // Only that post cannot reach the applicant, never their address.
    c.postal_block ? [' ', h('span', { class: 'badge protected' }, t(`postal_block.${c.postal_block}`))] : null,
  ];
}

export function caseTable(items, caption, showOffice = false) {
  if (!items.length) return h('p', { class: 'empty' }, t('queue.empty'));
  return tableWrap(caption, h('table', {},
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('col.case')),
      h('th', { scope: 'col' }, t('col.applicant')),
      h('th', { scope: 'col' }, t('col.cpr')),
      h('th', { scope: 'col' }, t('col.kind')),
      h('th', { scope: 'col' }, t('col.status')),
      showOffice ? h('th', { scope: 'col' }, t('col.office')) : null,
      h('th', { scope: 'col' }, t('col.opened')))),
    h('tbody', {}, items.map((c) => h('tr', {},
      h('td', {}, h('a', { href: `#/cases/${c.id}` }, c.case_number)),
      h('td', {}, c.applicant.name),
      h('td', {}, c.applicant.cpr_masked),
      h('td', {}, t(`kind.${c.kind}`)),
      h('td', {}, statusBadge(c)),
      showOffice ? h('td', {}, c.office_code) : null,
      h('td', {}, fmtTime(c.opened_at)))))));
}

function query(extra, cursor) {
  const statuses = filters.status === 'open' ? OPEN : filters.status === 'all' ? [] : [filters.status];
  const q = new URLSearchParams({ limit: String(PAGE), ...extra });
  if (statuses.length) q.set('status', statuses.join(','));
  if (cursor) q.set('cursor', cursor);
  return `/api/v1/cases?${q}`;
}

/** One paged list; "next page" replaces it in place. */
function pagedList(caption, extra) {
  const box = h('section');
  const cursors = [];
  async function load(cursor) {
    try {
      const { data } = await api('GET', query(extra, cursor));
      mount(box, h('h2', { tabindex: '-1' }, caption), caseTable(data.items, caption),
        pager(cursors, data.next_cursor, load, () => box.querySelector('h2')));
    } catch (err) {
      mount(box, h('h2', {}, caption), noticeBox({ kind: 'error', text: problemText(err) }));
    }
  }
  return { box, load };
}

export async function queue(el, ctx) {
  const lists = h('div');
  const statusSel = select({
    name: 'status', label: t('queue.status'), value: filters.status,
    options: [['open', t('queue.all_open')], ...ALL.map((s) => [s, t(`status.${s}`)]), ['all', t('queue.all')]],
    onChange: (e) => { filters.status = e.target.value; render(); },
  });
  const overdueBox = checkbox({
    name: 'overdue_first', label: t('queue.overdue_first'), checked: filters.overdueFirst,
    onChange: (e) => { filters.overdueFirst = e.target.checked; render(); },
  });
  // Answers for an earlier view of the lists (a search, a filter) are dropped.
  let renders = 0;
  async function render() {
    renders += 1;
    const parts = filters.overdueFirst
      ? [pagedList(t('queue.overdue_section'), { overdue: 'true' }), pagedList(t('queue.other_section'), { overdue: 'false' })]
      : [pagedList(t('queue.caption'), {})];
    mount(lists, parts.map((p) => p.box));
    await Promise.all(parts.map((p) => p.load(null)));
  }
  // Finding a citizen's cases by CPR number: the number goes in a POST body, never in a URL.
  const search = h('form', { class: 'filters', role: 'search', novalidate: true },
    field({ name: 'cpr', label: t('queue.find'), hint: t('new.cpr_hint'), attrs: { inputmode: 'numeric', maxlength: '11', spellcheck: 'false' } }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, t('queue.search'))));
  search.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(search);
    const { cpr } = readForm(search);
    if (!parseCpr(cpr).ok) {
      fieldError(search, 'cpr', t('queue.cpr_invalid'));
      search.querySelector('input').focus();
      return;
    }
    const generation = ++renders;
    busy(search, async () => {
      try {
        // The person's NemID from the register and their cases, both looked up by the number
        // in a request body.
        const [found, nemids] = await Promise.all([
          api('POST', '/api/v1/cases/search', { body: { cpr, limit: 100 } }),
          api('POST', '/api/v1/nemids/search', { body: { cpr } }),
        ]);
        if (generation !== renders) return; // the lists were reloaded meanwhile
        mount(lists, h('section', {},
          h('h2', { tabindex: '-1' }, t('queue.found')),
          h('section', { 'aria-labelledby': 'found-nemid' },
            h('h3', { id: 'found-nemid' }, t('nemid.in_register')),
            nemids.data.items.length
              ? nemids.data.items.map((n) => h('div', { class: 'card nemid-summary' },
                h('p', {}, h('a', { href: `#/nemids/${n.number}` }, t('nemid.title', { number: n.number })), ' ', nemidBadge(n),
                  n.active_since ? ` · ${t('nemid.active_since')} ${fmtDate(n.active_since)}` : ''),
                cardTable(n, t('nemid.cards_of', { number: n.number }))))
              : h('p', { class: 'empty' }, t('nemid.none_found'))),
          h('h3', {}, t('queue.found_cases')),
          caseTable(found.data.items, t('queue.found')),
          h('button', {
            type: 'button',
            class: 'secondary',
            onClick: () => { search.reset(); render().then(() => lists.querySelector('h2')?.focus()); },
          }, t('queue.back'))));
        lists.querySelector('h2').focus();
      } catch (err) {
        showProblem(search, err);
      }
    });
  });
  mount(el,
    h('h1', {}, t('queue.title')),
    noticeBox(ctx.notice),
    h('p', { class: 'lead' }, t('queue.lead')),
    search,
    h('div', { class: 'filters' }, statusSel, overdueBox,
      h('button', { type: 'button', class: 'secondary', onClick: () => render() }, t('refresh'))),
    lists);
  await render();
}
