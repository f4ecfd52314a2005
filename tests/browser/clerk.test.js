// Clerk journeys in a real browser: a standard case to "code card posted", an express case
// whose holder is refused (29 days short) and then accepted, and a case changed by someone else
// while the clerk had it open.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { launch, newPage, ensureOffices, signIn, tokenOf, call, cpr, cprTurning15In, copenhagenDay, accessible, screenshot, shownDate, devToken, BASE, fillPhotoId, fillNewCase, openCase, identityCheck } from './lib.js';

let browser;
before(async () => {
  await ensureOffices();
  browser = await launch();
});
after(async () => browser?.close());

test('a clerk opens a standard case and takes it to second_half_posted', async () => {
  const page = await newPage(browser);
  await signIn(page, 'clerk', 'KBH01', 'Karen Jensen');
  await page.getByRole('heading', { name: 'Arbejdskø' }).waitFor();
  await accessible(page, 'work queue (empty)');

  // The CPR number is checked as typed, with the server's rules: too young is refused with the
  // day they may apply, and a valid number shows the age.
  await page.getByRole('link', { name: 'Ny sag' }).click();
  const young = cprTurning15In(3);
  await page.getByLabel('CPR-nummer').fill(young.cpr);
  await page.getByText(`kan søge fra ${await shownDate(page, young.from)}`).waitFor();
  await page.getByLabel('CPR-nummer').fill('310290-1234');
  await page.getByText('Datodelen er ikke en gyldig dato').waitFor();
  const applicant = cpr();
  await page.getByLabel('CPR-nummer').fill(applicant);
  await page.getByText(/^Alder: \d+ år/).waitFor();
  assert.equal(await page.getByLabel('CPR-nummer').getAttribute('aria-invalid'), null);
  await accessible(page, 'open a case');
  await screenshot(page, 'new-case');

  const id = await openCase(page, 'standard', applicant, 'Mette Sørensen');
  await page.locator('.notice', { hasText: /Sag KBH01-\d{4}-\d+ er oprettet/ }).waitFor();

  // A blank identity check: the missing date is caught in the browser; then every other problem
  // comes back from the server at once, each next to its field, in Danish.
  await page.getByRole('button', { name: 'Kontrollér identitet' }).click();
  await page.getByRole('button', { name: 'Udfør: Kontrollér identitet' }).click();
  await page.locator('[data-for="photo_id.expires_on"] .field-error', { hasText: 'Skal udfyldes.' }).waitFor();
  await page.locator('[data-field="photo_id.expires_on"]').fill(copenhagenDay(900));
  await page.getByRole('button', { name: 'Udfør: Kontrollér identitet' }).click();
  await page.locator('[data-for="health_card_cpr"] .field-error', { hasText: 'Skal være 10 cifre' }).waitFor();
  const shown = await page.locator('.field-error:not([hidden])').allTextContents();
  for (const expected of ['Skal være 1 til 40 bogstaver', 'Billed-ID\'et skal vise ansøgeren.', 'Det gule sundhedskort skal fremvises.']) {
    assert.ok(shown.some((x) => x.includes(expected)), `${expected} in ${JSON.stringify(shown)}`);
  }
  assert.ok(shown.every((x) => !/\b(must|the|is|invalid)\b/i.test(x)), `no English: ${JSON.stringify(shown)}`);
  await accessible(page, 'identity check refused');
  await page.getByRole('button', { name: 'Fortryd' }).click();
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.action), 'identity-check', 'focus returns to the action');
  await identityCheck(page, applicant);

  await page.getByRole('button', { name: 'Udlever første halvdel' }).click();
  await page.getByRole('button', { name: 'Udfør: Udlever første halvdel' }).click();
  await page.locator('.notice', { hasText: 'Udlever første halvdel: udført.' }).waitFor();

  await page.getByRole('button', { name: 'Send nøglekort' }).click();
  await accessible(page, 'case page with the posting form');
  await page.getByRole('button', { name: 'Udfør: Send nøglekort' }).click();
  await page.locator('.notice', { hasText: 'Send nøglekort: udført.' }).waitFor();
  await page.locator('h1 .badge', { hasText: 'Nøglekort afsendt' }).waitFor();
  // The timeline holds every step, and the next allowed actions are offered.
  assert.equal(await page.locator('ol.timeline li').count(), 4);
  await page.getByRole('button', { name: 'NemID aktiveret' }).waitFor();
  await accessible(page, 'case page');
  await screenshot(page, 'case');

  const c = await call('GET', `/api/v1/cases/${id}`, await tokenOf(page));
  assert.equal(c.body.status, 'second_half_posted');
  assert.equal(c.body.version, 4);

  // A second case for someone with an open one: the 409 is shown next to the CPR number.
  await fillNewCase(page, 'standard', applicant, 'Mette Sørensen');
  await page.locator('[data-for="applicant.cpr"] .field-error', { hasText: 'Ansøgeren har allerede en åben NemID-sag.' }).waitFor();
  assert.equal(await page.getByLabel('CPR-nummer').getAttribute('aria-invalid'), 'true');

  // The queue lists it, newest first.
  await page.getByRole('link', { name: 'Arbejdskø', exact: true }).click();
  await page.getByRole('link', { name: c.body.case_number }).waitFor();
  await accessible(page, 'work queue');
  await screenshot(page, 'queue');
  // Finding the citizen's cases by CPR number (sent in a POST body).
  await page.getByLabel('Find sager på CPR-nummer').fill(applicant);
  await page.getByRole('button', { name: 'Søg', exact: true }).click();
  await page.getByRole('heading', { name: 'Sager for CPR-nummeret' }).waitFor();
  assert.equal(await page.getByRole('table', { name: 'Sager for CPR-nummeret' }).locator('tbody tr').count(), 1);
  // The register's NemID of the case: the first half is out, the code card in the post.
  await page.locator('.nemid-summary', { hasText: 'Afventer aktivering' }).getByText('Sendt med posten').waitFor();
  await page.getByRole('link', { name: c.body.case_number }).waitFor();
  await accessible(page, 'CPR search');
  assert.deepEqual(page.problems(), []);
});

test('an express case: a holder 29 days short is refused with the date, then a valid holder completes it', async () => {
  const page = await newPage(browser);
  await signIn(page, 'clerk', 'KBH01', 'Jonas Holm');
  const applicant = cpr();
  const id = await openCase(page, 'express', applicant, 'Freja Andersen');
  await identityCheck(page, applicant);

  await page.getByRole('button', { name: 'Godkend ledsager' }).click();
  const holder = cpr();
  await page.getByLabel('Ledsagerens CPR-nummer').fill(holder);
  await page.getByLabel('Ledsagerens navn').fill('Ole Nielsen');
  await fillPhotoId(page, 'holder.photo_id');
  await page.getByLabel('Ledsagerens nøglekort er fremvist').check();
  // Active since yesterday: 29 days short of 30; they qualify 30 days after that day.
  await page.getByLabel('Ledsagerens NemID aktiv siden').fill(copenhagenDay(-1));
  await page.getByRole('button', { name: 'Udfør: Godkend ledsager' }).click();
  const since = page.locator('[data-for="holder.nemid_active_since"] .field-error');
  await since.waitFor();
  const qualifies = await shownDate(page, copenhagenDay(29));
  assert.match(await since.textContent(), new RegExp(`kan godkendes fra ${qualifies}`));
  assert.equal(await page.getByLabel('Ledsagerens NemID aktiv siden').getAttribute('aria-invalid'), 'true');
  await accessible(page, 'holder refused');
  await screenshot(page, 'case-holder-refused');
  let c = await call('GET', `/api/v1/cases/${id}`, await tokenOf(page));
  assert.equal(c.body.status, 'identity_verified', 'a refused holder changes nothing');

  await page.getByLabel('Ledsagerens NemID aktiv siden').fill(copenhagenDay(-30));
  await page.getByRole('button', { name: 'Udfør: Godkend ledsager' }).click();
  await page.locator('.notice', { hasText: 'Godkend ledsager: udført.' }).waitFor();
  await page.getByRole('button', { name: 'Udlever begge halvdele' }).click();
  await page.getByRole('button', { name: 'Udfør: Udlever begge halvdele' }).click();
  await page.locator('.notice', { hasText: 'Udlever begge halvdele: udført.' }).waitFor();
  await page.locator('h1 .badge', { hasText: 'Afsluttet' }).waitFor();
  await page.getByText('Sagen er lukket; der er ingen flere skridt.').waitFor();
  c = await call('GET', `/api/v1/cases/${id}`, await tokenOf(page));
  assert.equal(c.body.status, 'completed');
  assert.match(c.body.nemid_number, /^\d{9}$/);
  assert.deepEqual(page.problems(), []);
});

test('a case changed by someone else meanwhile is reloaded with a warning (412)', async () => {
  const page = await newPage(browser);
  await signIn(page, 'clerk', 'KBH01', 'Ida Berg');
  const applicant = cpr();
  const id = await openCase(page, 'standard', applicant, 'Anders Lund');
  await page.getByRole('button', { name: 'Annullér sag' }).click();
  await page.getByLabel('Begrundelse').fill('Borgeren fortrød');
  // Meanwhile a colleague checks the identity through the API.
  const token = await tokenOf(page);
  const now = await call('GET', `/api/v1/cases/${id}`, token);
  const done = await call('POST', `/api/v1/cases/${id}/identity-check`, token, {
    photo_id: { type: 'passport', number: 'X1', expires_on: copenhagenDay(400), issuing_country: 'DK' },
    photo_matches: true, health_card_presented: true, health_card_cpr: applicant,
  }, { 'If-Match': now.etag });
  assert.equal(done.status, 200);
  await page.getByRole('button', { name: 'Udfør: Annullér sag' }).click();
  await page.locator('.notice', { hasText: 'En anden har ændret sagen' }).waitFor();
  await page.locator('h1 .badge', { hasText: 'Identitet kontrolleret' }).waitFor();
  const after = await call('GET', `/api/v1/cases/${id}`, token);
  assert.equal(after.body.status, 'identity_verified', 'the stale cancel was not applied');

  // English on request; times and the timeline follow.
  await page.getByLabel('Sprog').selectOption('en');
  await page.locator('h1 .badge', { hasText: 'Identity verified' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await accessible(page, 'case page in English');
  assert.deepEqual(page.problems(), []);
});

test('pages carry a strict Content-Security-Policy and the token stays out of cookies', async () => {
  const res = await fetch(`${BASE}/`);
  const csp = res.headers.get('content-security-policy');
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  const page = await newPage(browser);
  await signIn(page, 'clerk', 'AAR01', 'Sofie Dahl');
  assert.deepEqual(await page.context().cookies(), []);
  assert.ok((await tokenOf(page)).split('.').length === 3);
  assert.deepEqual(page.problems(), []);
});

test('an invalid or expired token returns to the sign-in screen with a message', async () => {
  const page = await newPage(browser);
  await signIn(page, 'clerk', 'KBH01', 'Ib Holm');
  // Well formed, not expired, but not signed by this server.
  const forged = await page.evaluate(() => {
    const b64 = (o) => btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'x', name: 'Ib Holm', role: 'clerk', office: 'KBH01', exp: Math.floor(Date.now() / 1000) + 3600 })}.c2ln`;
  });
  await page.evaluate((t) => sessionStorage.setItem('nemid-desk.token', t), forged);
  await page.reload();
  await page.locator('.notice', { hasText: 'Din adgang er udløbet eller ugyldig. Log ind igen.' }).waitFor();
  await page.getByRole('heading', { name: 'Log ind' }).waitFor();
  assert.equal(await tokenOf(page), null);
  assert.equal(await page.locator('#sign-out').isVisible(), false);

  // An expired one is noticed before any request is made.
  const expired = await page.evaluate(() => {
    const b64 = (o) => btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'x', name: 'Ib Holm', role: 'clerk', office: 'KBH01', exp: Math.floor(Date.now() / 1000) - 60 })}.c2ln`;
  });
  await page.evaluate((t) => sessionStorage.setItem('nemid-desk.token', t), expired);
  await page.goto(`${BASE}/?fresh=1#/queue`); // a fresh page load
  await page.locator('.notice', { hasText: 'Din adgang er udløbet eller ugyldig. Log ind igen.' }).waitFor();
  assert.equal(await tokenOf(page), null);
  assert.deepEqual(page.problems(), []);
});

test("times are Copenhagen time whatever the browser's time zone", async () => {
  const page = await newPage(browser, { timezoneId: 'America/New_York' });
  await signIn(page, 'clerk', 'KBH01', 'Tove Vang');
  const id = await openCase(page, 'standard', cpr(), 'Niels Bohr');
  const c = await call('GET', `/api/v1/cases/${id}`, await tokenOf(page));
  const [copenhagen, newYork] = await page.evaluate((iso) => ['Europe/Copenhagen', 'America/New_York'].map((timeZone) =>
    new Intl.DateTimeFormat('da-DK', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso))), c.body.opened_at);
  assert.notEqual(copenhagen, newYork);
  await page.locator('dl.facts dd', { hasText: copenhagen }).first().waitFor();
  assert.equal(await page.getByText(newYork).count(), 0);
  assert.deepEqual(page.problems(), []);
});

test('the work queue pages through the office cases', async () => {
  const token = await devToken('clerk', 'AAR01', 'Bo Side');
  const mine = async () => (await call('POST', '/api/v1/cases/search', token, { limit: 100, status: ['opened', 'identity_verified', 'first_half_issued', 'second_half_posted', 'returned', 'holder_verified'] })).body.items.length;
  for (let n = await mine(); n < 27; n += 1) {
    const r = await call('POST', '/api/v1/cases', token, {
      kind: 'standard',
      applicant: { cpr: cpr(), name: `Side ${n}`, address: { street: 'Østergade 3', postal_code: '8000', city: 'Aarhus C', country: 'DK' } },
    }, { 'Idempotency-Key': randomUUID() });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  const total = await mine();
  const page = await newPage(browser);
  await signIn(page, 'clerk', 'AAR01', 'Bo Side');
  const rows = page.locator('table tbody tr');
  await page.getByRole('button', { name: 'Næste side' }).waitFor();
  assert.equal(await rows.count(), 25);
  const first = await rows.first().locator('a').textContent();
  await page.getByRole('button', { name: 'Næste side' }).click();
  await page.getByRole('button', { name: 'Første side' }).waitFor();
  assert.equal(await rows.count(), Math.min(total - 25, 25));
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H2', 'focus on the list after paging');
  assert.notEqual(await rows.first().locator('a').textContent(), first);
  await page.getByRole('button', { name: 'Første side' }).click();
  await page.getByRole('button', { name: 'Næste side' }).waitFor();
  assert.equal(await rows.first().locator('a').textContent(), first);
  assert.deepEqual(page.problems(), []);
});
