// Form building blocks: every input has a label, a hint and an error slot tied to it with
// aria-describedby; `data-field` holds the JSON path the server names in its errors, so a
// refusal lands next to the field it concerns.

import { h, uid, announce } from './dom.js';
import { t, message } from './i18n.js';
import { idempotency } from './api.js';

function describe(input, ...ids) {
  const v = ids.filter(Boolean).join(' ');
  if (v) input.setAttribute('aria-describedby', v);
}

/**
 * A labelled text-like input. Blank sends `''` (the server says what is missing, all at once);
 * `optional` fields send `null` when blank.
 */
export function field({ name, label, type = 'text', value = '', hint, optional, autocomplete, attrs = {}, onInput }) {
  const id = uid('f');
  const hintId = hint ? `${id}-hint` : null;
  const input = h('input', { id, name, type, value, autocomplete: autocomplete || 'off', dataset: { field: name, optional: optional ? 'null' : null }, onInput, ...attrs });
  input.defaultValue = value;
  describe(input, hintId, `${id}-err`);
  return h('div', { class: 'field', dataset: { for: name } },
    h('label', { for: id }, label),
    hint ? h('span', { class: 'hint', id: hintId }, hint) : null,
    input,
    h('p', { class: 'field-error', id: `${id}-err`, hidden: true }));
}

export function textarea({ name, label, value = '', optional, hint }) {
  const id = uid('f');
  const hintId = hint ? `${id}-hint` : null;
  const input = h('textarea', { id, name, dataset: { field: name, optional: optional ? 'null' : null } });
  input.value = value;
  describe(input, hintId, `${id}-err`);
  return h('div', { class: 'field', dataset: { for: name } },
    h('label', { for: id }, label),
    hint ? h('span', { class: 'hint', id: hintId }, hint) : null,
    input,
    h('p', { class: 'field-error', id: `${id}-err`, hidden: true }));
}

export function checkbox({ name, label, checked = false, onChange }) {
  const id = uid('f');
  const input = h('input', { id, name, type: 'checkbox', checked, dataset: { field: name, kind: 'bool' }, onChange });
  input.defaultChecked = checked;
  describe(input, `${id}-err`);
  return h('div', { class: 'field', dataset: { for: name } },
    h('div', { class: 'field inline' }, input, h('label', { for: id }, label)),
    h('p', { class: 'field-error', id: `${id}-err`, hidden: true }));
}

export function select({ name, label, options, value, hint, onChange }) {
  const id = uid('f');
  const hintId = hint ? `${id}-hint` : null;
  const input = h('select', { id, name, dataset: { field: name }, onChange },
    options.map(([v, text]) => h('option', { value: v, selected: v === value ? 'selected' : null }, text)));
  describe(input, hintId, `${id}-err`);
  return h('div', { class: 'field', dataset: { for: name } },
    h('label', { for: id }, label),
    hint ? h('span', { class: 'hint', id: hintId }, hint) : null,
    input,
    h('p', { class: 'field-error', id: `${id}-err`, hidden: true }));
}

/** Radio buttons in a fieldset whose legend names the choice; one must be chosen. */
export function radios({ name, legend, options, value, onChange }) {
  const errId = uid('f');
  const set = h('fieldset', { dataset: { for: name, required: 'radio' }, 'aria-describedby': `${errId}-err` },
    h('legend', {}, legend),
    options.map(([v, text, hint]) => {
      const id = uid('f');
      const input = h('input', { id, type: 'radio', name, value: v, checked: v === value, dataset: { field: name, kind: 'radio' }, onChange });
      input.defaultChecked = v === value;
      return h('div', { class: 'field inline' },
        input,
        h('label', { for: id }, text, hint ? h('span', { class: 'hint' }, ` — ${hint}`) : null));
    }),
    h('p', { class: 'field-error', id: `${errId}-err`, hidden: true }));
  return set;
}

/** A fieldset for the JSON object `name`, with its own error slot for problems of the whole. */
export function group(name, legend, ...children) {
  const errId = uid('g');
  return h('fieldset', { dataset: { for: name }, 'aria-describedby': errId },
    h('legend', {}, legend),
    children,
    h('p', { class: 'field-error', id: errId, hidden: true }));
}

/** The form's values as the nested JSON object its `data-field` paths describe. */
export function readForm(form) {
  const out = {};
  for (const el of form.querySelectorAll('[data-field]')) {
    if (el.closest('[hidden]') || el.disabled) continue;
    const path = el.dataset.field.split('.');
    let value;
    if (el.dataset.kind === 'bool') value = el.checked;
    else if (el.dataset.kind === 'radio') { if (!el.checked) continue; value = el.value; }
    else if (el.value.trim() === '') value = el.dataset.optional === 'null' ? null : '';
    else value = el.value;
    let o = out;
    for (const p of path.slice(0, -1)) o = o[p] ??= {};
    o[path.at(-1)] = value;
  }
  return out;
}

export function clearErrors(form) {
  form.querySelectorAll('.field-error').forEach((p) => { p.hidden = true; p.textContent = ''; });
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
  form.querySelectorAll('.form-problem').forEach((el) => el.remove());
}

/** Marks one field as wrong with `text`; returns false if the form has no such field. */
export function fieldError(form, name, text) {
  // The closest field or group the path falls under: `holder.photo_id.number`, else
  // `holder.photo_id`, else `holder`.
  let path = name;
  let wrap = null;
  let slot = null;
  while (path) {
    wrap = form.querySelector(`[data-for="${CSS.escape(path)}"]`);
    slot = wrap?.querySelector(':scope > .field-error');
    if (slot) break;
    path = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
  }
  if (!slot) return false;
  slot.hidden = false;
  slot.textContent = slot.textContent ? `${slot.textContent} ${text}` : text;
  // A field's input is marked invalid; a group's problem concerns the whole, not each input.
  if (wrap.tagName !== 'FIELDSET' || wrap.dataset.required === 'radio') {
    wrap.querySelectorAll('[data-field]').forEach((el) => el.setAttribute('aria-invalid', 'true'));
  }
  return true;
}

/**
 * What the browser can tell before sending: dates not filled in (a blank date is no date at all
 * to the server) and choices not made. Marks them; returns whether all is there.
 */
export function checkRequired(form) {
  let ok = true;
  for (const el of form.querySelectorAll('input[type="date"][data-field]:not([data-optional])')) {
    if (el.closest('[hidden]') || el.value) continue;
    fieldError(form, el.dataset.field, t('form.required_msg'));
    ok = false;
  }
  for (const set of form.querySelectorAll('fieldset[data-required="radio"]')) {
    if (set.closest('[hidden]') || set.querySelector('input:checked')) continue;
    fieldError(form, set.dataset.for, t('form.choose_msg'));
    ok = false;
  }
  if (!ok) form.querySelector('[aria-invalid="true"]')?.focus();
  return ok;
}

/** A problem for the form as a whole, shown at its top. */
export function formProblem(form, lines) {
  const box = h('div', { class: 'notice error form-problem', role: 'alert', tabindex: '-1' },
    lines.length === 1 ? h('p', {}, lines[0]) : [h('p', {}, t('form.fix')), h('ul', {}, lines.map((l) => h('li', {}, l)))]);
  form.prepend(box);
  return box;
}

/** The plain-words text for a refusal that concerns no single field. */
export function problemText(err) {
  const p = err.problem || {};
  if (err.status === 0) return t('err.network');
  if (err.status === 503) return t('err.unavailable', { seconds: err.retryAfter || 5 });
  if (err.status === 429) return t('err.too_many');
  if (err.status === 403) return t('err.forbidden', { detail: message(p.detail || '') });
  if (err.status === 404) return t('err.not_found');
  if (err.status === 409 && p.kind === 'idempotency_key_in_flight') return t('err.in_flight');
  if (p.kind === 'action_not_allowed') {
    const allowed = (p.allowed_actions || []).map((a) => t(`action.${a}`)).join(', ') || t('none');
    return t('err.action_not_allowed', { allowed });
  }
  if (p.kind === 'open_case_exists') return t('err.open_case_exists');
  if (p.kind === 'nemid_exists') return t('err.nemid_exists');
  for (const kind of ['nemid_not_applicants', 'nemid_revoked', 'nemid_pending', 'nemid_blocked', 'service_case_open']) {
    if (p.kind === kind) return t(`err.${kind}`);
  }
  if (p.kind === 'exemption_exists') return t('err.exemption_exists');
  if (p.kind === 'office_code_taken') return t('err.office_code_taken');
  return t('err.unknown', { status: err.status, detail: message(p.detail || '') });
}

/** Shows a refusal in `form`: field errors next to their fields, the rest at the top. */
export function showProblem(form, err, fieldFor = {}) {
  clearErrors(form);
  const lines = [];
  const fe = err.fieldErrors;
  if (fe.length) {
    for (const e of fe) {
      const text = message(e.message);
      if (!fieldError(form, e.field, text)) lines.push(e.field ? `${e.field}: ${text}` : text);
    }
  } else if (fieldFor[err.problem?.kind] && fieldError(form, fieldFor[err.problem.kind], problemText(err))) {
    // placed next to its field
  } else {
    lines.push(problemText(err));
  }
  let focus = form.querySelector('[aria-invalid="true"]');
  if (lines.length) {
    const box = formProblem(form, lines);
    if (!focus) focus = box;
  }
  focus?.focus();
  announce([...form.querySelectorAll('.field-error:not([hidden]), .form-problem')].map((e) => e.textContent).join(' '));
}

/** Disables the form's buttons (and `also`) while `work` runs. */
export async function busy(form, work, also = []) {
  const buttons = [...form.querySelectorAll('button'), ...also];
  buttons.forEach((b) => { b.disabled = true; });
  try {
    return await work();
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

/**
 * "First page" / "Next page" for a cursor list. `cursors` is the list's stack of cursors (kept by
 * the caller across reloads); `load(cursor)` shows a page; `focus` names what takes focus after
 * (the button pressed is replaced).
 */
export function pager(cursors, next, load, focus) {
  const go = (cursor) => load(cursor).then(() => focus()?.focus());
  return h('div', { class: 'pager' },
    cursors.length ? h('button', { type: 'button', class: 'secondary', onClick: () => { cursors.length = 0; go(null); } }, t('first_page')) : null,
    next ? h('button', { type: 'button', class: 'secondary', onClick: () => { cursors.push(next); go(next); } }, t('next_page')) : null);
}

/**
 * Submitting `form` as a change to a versioned record: checks what the browser can, sends the
 * form's body with an idempotency key (`send(body, key)`), then `done()`; a 412 (someone else
 * changed the record) calls `stale()`; any other refusal is shown in the form. `also()` names
 * further buttons to disable meanwhile.
 */
export function onVersionedSubmit(form, { send, done, stale, also = () => [], body: shape = (v) => v }) {
  const keys = idempotency();
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    if (!checkRequired(form)) return;
    const body = shape(readForm(form));
    busy(form, async () => {
      try {
        await send(body, keys.for(body));
        keys.answered();
        done();
      } catch (err) {
        keys.answered(err);
        if (err.status === 412) {
          stale();
          return;
        }
        showProblem(form, err);
      }
    }, also());
  });
  return form;
}
