// The public order page (/bestil): no sign-in. It sends the order and shows the answer, which is
// the same whether or not the details matched; only malformed input, the abuse limit and an
// unavailable service are told apart.

const TEXTS = {
  da: {
    skip: 'Gå til indhold',
    brand: 'Bestil NemID',
    lang: 'Sprog',
    title: 'Bestil NemID online',
    lead: 'Har du et dansk pas eller et dansk kørekort og en adresse i CPR-registret, kan du bestille NemID her. Vi sender to breve til din adresse: det ene med dit bruger-id og din midlertidige adgangskode, det andet med dit nøglekort.',
    other_ways: 'Har du hverken dansk pas eller kørekort, kan du få NemID i Borgerservice eller i din bank.',
    cpr: 'CPR-nummer',
    cpr_hint: '10 cifre, fx 010190-1234',
    document: 'Dokument',
    passport: 'Dansk pas',
    drivers_licence: 'Dansk kørekort',
    number: 'Dokumentets nummer',
    number_hint: 'Står på passets fotoside eller på kørekortets forside (6 til 12 tegn)',
    submit: 'Bestil NemID',
    sending: 'Sender …',
    received_title: 'Bestillingen er modtaget',
    received_hint: 'Kommer brevene ikke, kan du få NemID i Borgerservice eller i din bank.',
    page_title: 'Bestil NemID',
    'err.cpr': 'Skriv dit CPR-nummer med 10 cifre, fx 010190-1234.',
    'err.document.number': 'Skriv dokumentets nummer: 6 til 12 bogstaver og cifre.',
    'err.document.type': 'Vælg pas eller kørekort.',
    'err.fix': 'Ret de markerede felter.',
    'err.limit': 'Der er sendt for mange bestillinger. Prøv igen om {minutes} minutter.',
    'err.off': 'NemID kan ikke bestilles online lige nu. Du kan få NemID i Borgerservice eller i din bank.',
    'err.other': 'Bestillingen kunne ikke sendes. Prøv igen om lidt.',
  },
  en: {
    skip: 'Skip to content',
    brand: 'Order NemID',
    lang: 'Language',
    title: 'Order NemID online',
    lead: 'If you have a Danish passport or a Danish driving licence and an address in the CPR register, you can order NemID here. We post two letters to your address: one with your user ID and temporary password, the other with your code card.',
    other_ways: 'If you have neither a Danish passport nor a driving licence, you can get NemID at a citizen service centre or at your bank.',
    cpr: 'CPR number',
    cpr_hint: '10 digits, e.g. 010190-1234',
    document: 'Document',
    passport: 'Danish passport',
    drivers_licence: 'Danish driving licence',
    number: "The document's number",
    number_hint: "On the passport's photo page or the front of the driving licence (6 to 12 characters)",
    submit: 'Order NemID',
    sending: 'Sending …',
    received_title: 'Your order has been received',
    received_hint: 'If the letters do not arrive, you can get NemID at a citizen service centre or at your bank.',
    page_title: 'Order NemID',
    'err.cpr': 'Enter your CPR number with 10 digits, e.g. 010190-1234.',
    'err.document.number': "Enter the document's number: 6 to 12 letters and digits.",
    'err.document.type': 'Choose passport or driving licence.',
    'err.fix': 'Correct the marked fields.',
    'err.limit': 'Too many orders have been sent. Try again in {minutes} minutes.',
    'err.off': 'NemID cannot be ordered online right now. You can get NemID at a citizen service centre or at your bank.',
    'err.other': 'The order could not be sent. Try again shortly.',
  },
};

const $ = (id) => document.getElementById(id);
let lang = new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : (sessionStorage.getItem('order.lang') || 'da');
let lastAnswer = null;

function t(key, vars = {}) {
  return (TEXTS[lang][key] ?? key).replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}

function applyLang() {
  document.documentElement.lang = lang;
  document.title = t('page_title');
  for (const el of document.querySelectorAll('[data-text]')) el.textContent = t(el.dataset.text);
  $('lang-select').value = lang;
  if (lastAnswer) showReceived(lastAnswer, false);
}

function announce(text) {
  const a = $('announce');
  a.textContent = '';
  setTimeout(() => { a.textContent = text; }, 50);
}

const FIELDS = { cpr: 'cpr', 'document.number': 'number', 'document.type': 'type' };

function clearErrors() {
  $('form-problem').hidden = true;
  for (const id of Object.values(FIELDS)) {
    const err = $(`${id}-err`);
    err.hidden = true;
    err.textContent = '';
    const input = id === 'type' ? null : $(id);
    if (input) input.removeAttribute('aria-invalid');
  }
}

function fieldError(field, text) {
  const id = FIELDS[field];
  if (!id) return false;
  const err = $(`${id}-err`);
  err.textContent = text;
  err.hidden = false;
  if (id !== 'type') $(id).setAttribute('aria-invalid', 'true');
  return true;
}

function problem(text) {
  const box = $('form-problem');
  box.textContent = text;
  box.hidden = false;
  box.focus?.();
  announce(text);
}

function showReceived(body, focus = true) {
  lastAnswer = body;
  $('order-form-section').hidden = true;
  $('received').hidden = false;
  $('title').textContent = t('received_title');
  $('received-text').textContent = lang === 'en' ? body.message_en : body.message_da;
  if (focus) {
    $('title').focus();
    announce(t('received_title'));
  }
}

async function submit(event) {
  event.preventDefault();
  clearErrors();
  const cpr = $('cpr').value.trim();
  const number = $('number').value.trim();
  const type = document.querySelector('input[name="type"]:checked')?.value;
  // What can be told from the input alone is told at once.
  const local = [];
  if (!/^\d{6}-?\d{4}$/.test(cpr)) local.push('cpr');
  if (!/^[A-Za-z0-9 ]{6,20}$/.test(number)) local.push('document.number');
  if (!type) local.push('document.type');
  if (local.length) {
    for (const f of local) fieldError(f, t(`err.${f}`));
    problem(t('err.fix'));
    $(FIELDS[local[0]] === 'type' ? 'type-passport' : FIELDS[local[0]]).focus();
    return;
  }
  const button = $('submit');
  button.disabled = true;
  button.textContent = t('sending');
  try {
    const res = await fetch('/api/v1/online-orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ cpr, document: { type, number } }),
    });
    const body = await res.json().catch(() => ({}));
    if (res.status === 202) {
      showReceived(body);
    } else if (res.status === 422) {
      let first = null;
      for (const e of body.errors ?? []) {
        if (fieldError(e.field, t(`err.${e.field}`)) && !first) first = FIELDS[e.field];
      }
      problem(t('err.fix'));
      if (first) $(first === 'type' ? 'type-passport' : first).focus();
    } else if (res.status === 429) {
      const secs = Number(res.headers.get('retry-after')) || 3600;
      problem(t('err.limit', { minutes: Math.max(1, Math.ceil(secs / 60)) }));
    } else if (res.status === 503 && body.kind === 'online_ordering_unavailable') {
      problem(t('err.off'));
    } else {
      problem(t('err.other'));
    }
  } catch {
    problem(t('err.other'));
  } finally {
    button.disabled = false;
    button.textContent = t('submit');
  }
}

$('lang-select').addEventListener('change', (e) => {
  lang = e.target.value === 'en' ? 'en' : 'da';
  sessionStorage.setItem('order.lang', lang);
  applyLang();
});
$('order-form').addEventListener('submit', submit);
applyLang();
