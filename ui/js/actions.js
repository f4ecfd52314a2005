// The actions a versioned record allows now, as buttons, and the evidence form of the one
// chosen: the case page and the NemID page both work this way. A change is sent with the
// version the user saw (If-Match) and an idempotency key; a 412 (someone else changed the record
// meanwhile) reloads it and says so; any other refusal is shown in the form, next to its field.

import { h } from './dom.js';
import { t } from './i18n.js';
import { onVersionedSubmit, problemText } from './forms.js';

function firstControl(root) {
  return [...(root?.querySelectorAll('input, select, textarea, button') || [])].find((e) => !e.closest('[hidden]') && !e.disabled);
}

/**
 * `forms[action](record)` gives `{ fields, body? }` (`body(values)`: the request body from the
 * form's values, when they differ); `label(action)` names it; `danger(action)` marks
 * final steps; `prepare(action)` runs before a form opens (e.g. reading settings);
 * `send(action, body, key)` performs it and answers the record after it, which `accept(record)`
 * keeps; `history()` reloads the record's events and `reload()` the record and its events;
 * `say(notice)` shows a notice (announced, focused); `rerender()` redraws the page (which calls
 * `view` again). After success the notice is `doneText(action)`; after a 412 the record is
 * reloaded with `staleText`.
 */
export function actionPanel({ root, forms, label, danger = () => false, prepare = async () => {}, send, accept, history, reload, doneText, staleText, say, rerender }) {
  const done = async (action, record) => {
    accept(record);
    try {
      await history();
    } catch {
      // The change is done; the history catches up at the next load.
    }
    say({ kind: 'ok', text: doneText(action) });
  };
  const stale = async () => {
    // Someone else changed the record: show what it is now, and say so.
    try {
      await reload();
      say({ kind: 'warn', text: staleText });
    } catch (err) {
      say({ kind: 'error', text: problemText(err) });
    }
  };
  const failed = (err) => say({ kind: 'error', text: problemText(err) });

  let open = null; // the action whose form is shown
  let pending = false; // a change is on its way: no other action meanwhile

  function form(action, record) {
    const spec = forms[action](record);
    const f = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'action-title' },
      h('h3', { id: 'action-title' }, label(action)),
      spec.fields,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: danger(action) ? 'danger' : '' }, t('form.submit', { action: label(action) })),
        h('button', {
          type: 'button',
          class: 'secondary',
          onClick: () => {
            open = null;
            rerender();
            root.querySelector(`[data-action="${action}"]`)?.focus();
          },
        }, t('cancel_form'))));
    return onVersionedSubmit(f, {
      also: () => [...root.querySelectorAll('[data-action]')],
      body: spec.body,
      send: async (body, key) => {
        pending = true;
        try {
          const next = await send(action, body, key);
          open = null;
          await done(action, next);
        } finally {
          pending = false;
        }
      },
      done: () => {},
      stale: async () => {
        open = null;
        await stale();
      },
    });
  }

  return {
    /** The buttons for `allowed`, and the open form if its action is still allowed. */
    view(record, allowed) {
      const buttons = allowed.map((a) => h('button', {
        type: 'button',
        class: a === open ? '' : 'secondary',
        'aria-expanded': String(a === open),
        dataset: { action: a },
        onClick: async () => {
          if (pending) return;
          try {
            await prepare(a);
          } catch (err) {
            failed(err);
            return;
          }
          open = a;
          rerender();
          firstControl(root.querySelector('form.card'))?.focus();
        },
      }, label(a)));
      return { buttons, form: open && allowed.includes(open) ? form(open, record) : null };
    },
  };
}
