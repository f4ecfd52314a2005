// The register at the desk: a citizen look-up shows the NemID with its cards, a lost card is
// replaced over the counter (old card revoked at once, the new one in use), a new password case
// blocks until the handout, and blocking a NemID someone else changed meanwhile is reloaded (412).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, ensureOffices, signIn, tokenOf, call, cpr, accessible, screenshot, devToken, fillPhotoId, identityCheck } from './lib.js';

let browser;
before(async () => {
  await ensureOffices();
  browser = await launch();
});
after(async () => browser?.close());

const photo = { type: 'passport', number: 'P1234567', expires_on: '2099-12-31', issuing_country: 'DK' };

/** A first issuance taken to the end through the API: an active NemID with its card in use. */
async function activeNemid(token, who) {
  const applicant = { cpr: who, name: 'Lone Madsen', address: { street: 'Nørregade 7', postal_code: '1165', city: 'København K', country: 'DK' } };
  let c = await call('POST', '/api/v1/cases', token, { kind: 'standard', applicant });
  assert.equal(c.status, 201);
  const steps = [
    ['identity-check', { photo_id: photo, photo_matches: true, health_card_presented: true, health_card_cpr: who }],
    ['first-half', {}], ['second-half', {}], ['activation', {}],
  ];
  for (const [action, body] of steps) {
    c = await call('POST', `/api/v1/cases/${c.body.id}/${action}`, token, body, { 'If-Match': `"${c.body.version}"` });
    assert.equal(c.status, 200, `${action}: ${JSON.stringify(c.body)}`);
  }
  return c.body.nemid_number;
}

async function lookUp(page, who) {
  await page.getByRole('link', { name: 'Arbejdskø', exact: true }).click();
  await page.getByLabel('Find sager på CPR-nummer').fill(who);
  await page.getByRole('button', { name: 'Søg', exact: true }).click();
  await page.getByRole('heading', { name: 'NemID i registret' }).waitFor();
}

test('a citizen look-up shows the NemID and its cards; a lost card is replaced at the desk', async () => {
  const page = await newPage(browser);
  await signIn(page, 'clerk', 'KBH01', 'Karen Jensen');
  const who = cpr();
  const number = await activeNemid(await tokenOf(page), who);

  await lookUp(page, who);
  const summary = page.locator('.nemid-summary');
  await summary.getByText('Aktivt', { exact: true }).waitFor();
  await summary.getByText('I brug').waitFor();
  await accessible(page, 'citizen look-up with NemID');
  await page.getByRole('link', { name: `NemID ${number}` }).click();
  await page.getByRole('heading', { name: `NemID ${number}` }).waitFor();
  await page.getByText(who).waitFor();
  await accessible(page, 'NemID page');
  await screenshot(page, 'nemid');

  // A replacement for a lost card: the reason must be chosen; then the case opens.
  await page.getByRole('button', { name: 'Nyt nøglekort' }).click();
  await page.getByLabel('Vej og nummer').fill('Nørregade 7');
  await page.getByLabel('Postnummer').fill('1165');
  await page.getByLabel('By', { exact: true }).fill('København K');
  await page.getByRole('button', { name: 'Opret sag' }).click();
  await page.locator('[data-for="reason"] .field-error', { hasText: 'Vælg' }).waitFor();
  await accessible(page, 'replacement card form refused');
  await page.getByLabel(/^Mistet/).check();
  await page.getByRole('button', { name: 'Opret sag' }).click();
  await page.getByRole('heading', { name: /^Sag / }).waitFor();
  await page.getByText('Mistet', { exact: true }).waitFor();
  const caseId = page.url().split('/').pop();
  const token = await tokenOf(page);
  let n = await call('GET', `/api/v1/nemids/${number}`, token);
  assert.deepEqual(n.body.cards.map((c) => c.state), ['revoked'], 'the lost card is revoked when the case opens');

  await identityCheck(page, who);
  await page.getByRole('button', { name: 'Udlever nyt nøglekort' }).click();
  await accessible(page, 'card handout form');
  await page.getByRole('button', { name: 'Udfør: Udlever nyt nøglekort' }).click();
  await page.locator('.notice', { hasText: 'Udlever nyt nøglekort: udført.' }).waitFor();
  await page.locator('h1 .badge', { hasText: 'Afsluttet' }).waitFor();
  const c = await call('GET', `/api/v1/cases/${caseId}`, token);
  assert.equal(c.body.kind, 'replacement_card');
  assert.equal(c.body.status, 'completed');
  n = await call('GET', `/api/v1/nemids/${number}`, token);
  assert.deepEqual(n.body.cards.map((x) => x.state), ['revoked', 'active']);

  // The NemID page shows both cards and the history.
  await page.getByRole('link', { name: number }).click();
  await page.getByRole('heading', { name: `NemID ${number}` }).waitFor();
  assert.equal(await page.getByRole('table', { name: `Nøglekort til NemID ${number}` }).locator('tbody tr').count(), 2);
  await page.locator('ol.timeline .what', { hasText: 'Nyt nøglekort udleveret → Aktivt' }).waitFor();
  assert.equal(await page.getByText(/undefined/).count(), 0);
  assert.deepEqual(page.problems(), []);
});

test('a new password blocks the NemID until the handout; unblocking meanwhile is refused in words', async () => {
  const page = await newPage(browser);
  await signIn(page, 'clerk', 'KBH01', 'Jonas Holm');
  const who = cpr();
  const number = await activeNemid(await tokenOf(page), who);
  await page.goto(`${page.url().split('#')[0]}#/nemids/${number}`);
  await page.getByRole('heading', { name: `NemID ${number}` }).waitFor();
  await page.getByRole('button', { name: 'Ny midlertidig adgangskode' }).click();
  await page.getByLabel('Vej og nummer').fill('Nørregade 7');
  await page.getByLabel('Postnummer').fill('1165');
  await page.getByLabel('By', { exact: true }).fill('København K');
  await page.getByRole('button', { name: 'Opret sag' }).click();
  await page.getByRole('heading', { name: /^Sag / }).waitFor();

  // The NemID is blocked now; the register's unblock waits for the case.
  await page.getByRole('link', { name: number }).click();
  await page.locator('h1 .badge', { hasText: 'Spærret midlertidigt' }).waitFor();
  await page.getByRole('button', { name: 'Ophæv spærring' }).click();
  await fillPhotoId(page, 'photo_id');
  await page.getByLabel('Billedet viser ansøgeren').check();
  await page.getByLabel('Det gule sundhedskort er fremvist').check();
  await page.getByLabel('CPR-nummer på sundhedskortet').fill(who);
  await page.getByRole('button', { name: 'Udfør: Ophæv spærring' }).click();
  await page.locator('.form-problem', { hasText: 'En sag om ny adgangskode er åben for dette NemID' }).waitFor();
  await accessible(page, 'unblock refused');
  assert.equal((await call('GET', `/api/v1/nemids/${number}`, await tokenOf(page))).body.state, 'blocked');

  await page.getByRole('link', { name: 'Se sagen' }).last().click();
  await page.getByRole('heading', { name: /^Sag / }).waitFor();
  await identityCheck(page, who);
  await page.getByRole('button', { name: 'Udlever ny midlertidig adgangskode' }).click();
  await page.getByRole('button', { name: 'Udfør: Udlever ny midlertidig adgangskode' }).click();
  await page.locator('h1 .badge', { hasText: 'Afsluttet' }).waitFor();
  assert.equal((await call('GET', `/api/v1/nemids/${number}`, await tokenOf(page))).body.state, 'active');
  assert.deepEqual(page.problems(), []);
});

test('blocking a NemID that someone else changed meanwhile reloads it with a warning (412)', async () => {
  const page = await newPage(browser);
  await signIn(page, 'clerk', 'KBH01', 'Ida Berg');
  const who = cpr();
  const number = await activeNemid(await tokenOf(page), who);
  await page.goto(`${page.url().split('#')[0]}#/nemids/${number}`);
  await page.getByRole('heading', { name: `NemID ${number}` }).waitFor();
  await page.getByRole('button', { name: 'Spær NemID' }).click();
  await page.getByLabel('Begrundelse').selectOption('suspected_misuse');
  // A supervisor blocks it first.
  const sup = await devToken('supervisor', null, 'Sanne Leder');
  const n = await call('GET', `/api/v1/nemids/${number}`, sup);
  const blocked = await call('POST', `/api/v1/nemids/${number}/block`, sup, { reason: 'holder_request' }, { 'If-Match': n.etag });
  assert.equal(blocked.status, 200);
  await page.getByRole('button', { name: 'Udfør: Spær NemID' }).click();
  await page.locator('.notice', { hasText: 'NemID blev ændret af en anden imens' }).waitFor();
  await page.locator('h1 .badge', { hasText: 'Spærret midlertidigt' }).waitFor();
  await page.getByRole('button', { name: 'Ophæv spærring' }).waitFor();
  await accessible(page, 'NemID reloaded after 412');
  const events = await call('GET', `/api/v1/nemids/${number}/events`, sup);
  assert.equal(events.body.items.filter((e) => e.action === 'block').length, 1, 'blocked once, by the supervisor');
  assert.deepEqual(page.problems(), []);
});
