// Building DOM without innerHTML: every text is a text node, so nothing from the server or the
// user is ever parsed as markup.

/** `h('p', { class: 'x', onClick: fn }, 'text', child)`. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') {
      for (const [dk, dv] of Object.entries(v)) if (dv !== null && dv !== undefined) el.dataset[dk] = dv;
    }
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the contents of `el`. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Says `text` to screen readers (the page's polite live region). */
export function announce(text) {
  const live = document.getElementById('announce');
  if (!live) return;
  live.textContent = '';
  setTimeout(() => { live.textContent = text; }, 50);
}

let idCounter = 0;
export function uid(prefix) {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** A message box: `{ kind: 'ok' | 'warn' | 'error', text }`. */
export function noticeBox(n) {
  if (!n) return null;
  return h('div', { class: `notice ${n.kind || ''}`, role: n.kind === 'error' ? 'alert' : 'status' }, h('p', {}, n.text));
}

/** A wide table in a scrollable region that keyboard users can focus and scroll. */
export function tableWrap(label, table) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': label }, table);
}
