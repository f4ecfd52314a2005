// Opening a case: the CPR number is checked as it is typed, with the server's rules (format,
// real date, 15 or over), and the age shown.

import { h, mount, noticeBox, announce } from '../dom.js';
import { t, fmtDate, copenhagenToday, message } from '../i18n.js';
import { api, idempotency } from '../api.js';
import { field, radios, checkbox, select, group, readForm, showProblem, clearErrors, fieldError, busy } from '../forms.js';
import { parseCpr, ageOn, applicantCprProblem } from '../cpr.js';
import { go } from '../main.js';

export function addressFields(prefix, address = {}) {
  return [
    field({ name: `${prefix}.street`, label: t('new.street'), value: address.street || '', autocomplete: 'street-address' }),
    h('div', { class: 'grid2' },
      field({ name: `${prefix}.postal_code`, label: t('new.postal_code'), value: address.postal_code || '', autocomplete: 'postal-code', attrs: { inputmode: 'numeric', maxlength: '16' } }),
      field({ name: `${prefix}.city`, label: t('new.city'), value: address.city || '', autocomplete: 'address-level2' })),
    field({ name: `${prefix}.country`, label: t('new.country'), value: address.country || 'DK', attrs: { maxlength: '2', size: '3' } }),
  ];
}

export async function newCase(el, ctx) {
  // A retried submission (lost answer, double click) opens one case.
  const keys = idempotency();
  const cprStatus = h('p', { class: 'hint', id: 'cpr-status', 'aria-live': 'polite' });
  const cprField = field({
    name: 'applicant.cpr', label: t('new.cpr'), hint: t('new.cpr_hint'),
    attrs: { inputmode: 'numeric', maxlength: '11', spellcheck: 'false' },
    onInput: () => checkCpr(false),
  });
  cprField.append(cprStatus);
  const form = h('form', { class: 'card', novalidate: true },
    radios({
      name: 'kind', legend: t('new.kind'), value: 'standard',
      options: [['standard', t('kind.standard'), t('kind.standard_hint')], ['express', t('kind.express'), t('kind.express_hint')]],
    }),
    group('applicant', t('new.applicant'),
      cprField,
      field({ name: 'applicant.name', label: t('new.name'), autocomplete: 'name' })),
    group('applicant.address', t('new.address'), addressFields('applicant.address')),
    select({
      name: 'postal_block', label: t('new.postal_block'), hint: t('new.postal_block_hint'), value: '',
      options: [['', t('postal_block.none')], ['name_address_protection', t('postal_block.name_address_protection')], ['no_usable_address', t('postal_block.no_usable_address')]],
    }),
    ctx.me.role === 'bank' ? checkbox({ name: 'online_banking_agreement', label: t('new.online_banking') }) : null,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('new.submit'))));

  /** Shows the age, or the reason the number will be refused; returns whether it passes. */
  function checkCpr(final) {
    const input = form.querySelector('[data-field="applicant.cpr"]');
    const value = input.value;
    const errSlot = cprField.querySelector('.field-error');
    errSlot.hidden = true;
    errSlot.textContent = '';
    input.removeAttribute('aria-invalid');
    cprStatus.textContent = '';
    const today = copenhagenToday();
    const parsed = parseCpr(value);
    const problem = applicantCprProblem(value, today);
    if (parsed.ok) cprStatus.textContent = t('cpr.age', { age: ageOn(parsed.born, today), born: fmtDate(parsed.born) });
    const complete = value.replace(/\D/g, '').length >= 10;
    if (problem && (final || complete || parsed.ok)) {
      fieldError(form, 'applicant.cpr', message(problem));
      return false;
    }
    return !problem;
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    if (!checkCpr(true)) {
      form.querySelector('[data-field="applicant.cpr"]').focus();
      return;
    }
    const body = readForm(form);
    if (ctx.me.role !== 'bank') delete body.online_banking_agreement;
    if (!body.postal_block) delete body.postal_block;
    busy(form, async () => {
      try {
        const { data } = await api('POST', '/api/v1/cases', { body, idempotencyKey: keys.for(body) });
        keys.answered();
        announce(t('new.created', { number: data.case_number }));
        go(`#/cases/${data.id}`, { kind: 'ok', text: t('new.created', { number: data.case_number }) });
      } catch (err) {
        keys.answered(err);
        showProblem(form, err, { open_case_exists: 'applicant.cpr', nemid_exists: 'applicant.cpr' });
      }
    });
  });
  mount(el, h('h1', {}, t('new.title')), noticeBox(ctx.notice), h('p', { class: 'lead' }, t('new.lead')), form);
}
