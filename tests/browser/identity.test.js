// Other ways through the desk: an applicant without photo ID proves identity with secondary
// documents, an applicant with name and address protection collects the card at the desk (the
// protection visible on the case and in the queue, never the address there), and a refusal is a
// decision whose "cannot use NemID alone" leads to an exemption request in one step.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, ensureOffices, signIn, tokenOf, call, cpr, accessible, screenshot, fillPhotoId } from './lib.js';

let browser;
before(async () => {
  await ensureOffices();
  browser = await launch();
});
after(async () => browser?.close());

test('secondary documents and a protected address: both halves held, collected with photo ID', async () => {
  const page = await newPage(browser);
  await signIn(page, 'clerk', 'KBH01', 'Karen Jensen');
  const who = cpr();
  await page.getByRole('link', { name: 'Ny sag' }).click();
  await page.getByRole('heading', { name: 'Opret sag' }).waitFor();
  await page.getByLabel('CPR-nummer').fill(who);
  await page.getByLabel('Fulde navn').fill('Sofie Lund');
  await page.getByLabel('Vej og nummer').fill('Nørregade 7');
  await page.getByLabel('Postnummer').fill('1165');
  await page.getByLabel('By', { exact: true }).fill('København K');
  await page.getByLabel('Post til ansøgeren').selectOption('name_address_protection');
  await accessible(page, 'new case with a postal block');
  await page.getByRole('button', { name: 'Opret sag' }).click();
  await page.getByRole('heading', { name: /^Sag / }).waitFor();
  await page.locator('h1 .badge.protected', { hasText: 'Navne- og adressebeskyttelse' }).waitFor();
  const caseId = page.url().split('/').pop();

  // Secondary documents: fewer than two is refused in words, next to the documents.
  await page.getByRole('button', { name: 'Kontrollér identitet' }).click();
  await page.locator('input[name="route"][value="secondary_documents"]').check();
  const doc = (name) => page.getByRole('group', { name, exact: true });
  await doc('Sundhedskort (gult kort)').getByLabel('Forevist').check();
  await doc('Sundhedskort (gult kort)').getByLabel('Viser CPR-nummer').check();
  await doc('Sundhedskort (gult kort)').getByLabel('CPR-nummeret på dokumentet').fill(who);
  await page.getByRole('button', { name: 'Udfør: Kontrollér identitet' }).click();
  await page.locator('.field-error:not([hidden]), .form-problem').first().waitFor();
  await accessible(page, 'secondary documents refused');
  await doc('Fødselsattest').getByLabel('Forevist').check();
  await page.getByRole('button', { name: 'Udfør: Kontrollér identitet' }).click();
  await page.locator('.notice', { hasText: 'Kontrollér identitet: udført.' }).waitFor();
  await page.getByText('Sekundære dokumenter', { exact: true }).first().waitFor();
  // Nothing is handed out at the desk, and nothing can be posted: the card is held.
  assert.equal(await page.getByRole('button', { name: 'Udlever første halvdel' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Send begge halvdele' }).count(), 0);
  await page.getByRole('button', { name: 'Hold til afhentning' }).click();
  await accessible(page, 'hold for collection form');
  await page.getByRole('button', { name: 'Udfør: Hold til afhentning' }).click();
  await page.locator('h1 .badge', { hasText: 'Venter på afhentning' }).waitFor();
  await page.locator('dl.facts dt', { hasText: 'Afhentes senest' }).waitFor();

  // The queue shows the protection, not the address.
  await page.getByRole('link', { name: 'Arbejdskø', exact: true }).click();
  const row = page.locator('tr', { has: page.getByRole('link', { name: /KBH01-/ }) }).filter({ hasText: 'Venter på afhentning' }).first();
  await row.getByText('Navne- og adressebeskyttelse').waitFor();
  assert.equal(await page.getByText('Nørregade 7').count(), 0, 'no address in the list');
  await accessible(page, 'queue with a protected applicant');

  // Collection: photo ID again.
  await page.goto(`${page.url().split('#')[0]}#/cases/${caseId}`);
  await page.getByRole('button', { name: 'Udlever til afhentning' }).click();
  await fillPhotoId(page, 'photo_id');
  await page.getByLabel('Billedet viser personen, der afhenter').check();
  await accessible(page, 'collection form');
  await screenshot(page, 'collection');
  await page.getByRole('button', { name: 'Udfør: Udlever til afhentning' }).click();
  await page.locator('h1 .badge', { hasText: 'Afsluttet' }).waitFor();
  const c = await call('GET', `/api/v1/cases/${caseId}`, await tokenOf(page));
  assert.equal(c.body.identity_route, 'secondary_documents');
  const n = await call('GET', `/api/v1/nemids/${c.body.nemid_number}`, await tokenOf(page));
  assert.equal(n.body.state, 'active');
  assert.deepEqual(page.problems(), []);
});

test('a refusal is a decision with grounds and appeal guidance, and points to exemption in one step', async () => {
  const page = await newPage(browser);
  await signIn(page, 'clerk', 'KBH01', 'Jonas Holm');
  const who = cpr();
  const applicant = { cpr: who, name: 'Erik Dahl', address: { street: 'Algade 3', postal_code: '4000', city: 'Roskilde', country: 'DK' } };
  const opened = await call('POST', '/api/v1/cases', await tokenOf(page), { kind: 'standard', applicant });
  assert.equal(opened.status, 201);
  await page.goto(`${page.url().split('#')[0]}#/cases/${opened.body.id}`);
  await page.getByRole('button', { name: 'Afvis ansøgning' }).click();
  // "Other" needs an explanation: the server says so, next to the field.
  await page.getByLabel('Andet').check();
  await page.getByRole('button', { name: 'Udfør: Afvis ansøgning' }).click();
  await page.locator('[data-for="explanation"] .field-error:not([hidden])').waitFor();
  await page.getByLabel('Andet').uncheck();
  await page.getByLabel('Kan ikke bruge NemID selv').check();
  await accessible(page, 'refusal form');
  await page.getByRole('button', { name: 'Udfør: Afvis ansøgning' }).click();
  await page.getByRole('heading', { name: 'Afgørelse: afslag' }).waitFor();
  await page.getByRole('heading', { name: 'Klagevejledning' }).waitFor();
  await page.getByText('Du kan klage over afgørelsen', { exact: false }).waitFor();
  await page.getByRole('heading', { name: 'Fritagelse for Digital Post' }).waitFor();
  await accessible(page, 'refusal decision');
  await screenshot(page, 'refusal');
  await page.getByRole('button', { name: 'Registrér anmodning om fritagelse' }).click();
  await page.locator('.notice', { hasText: 'Anmodningen om fritagelse for Erik Dahl er registreret.' }).waitFor();
  const list = await call('POST', '/api/v1/exemptions/search', await tokenOf(page), { status: ['pending'], limit: 100 });
  assert.ok(list.body.items.some((x) => x.citizen.name === 'Erik Dahl'), 'the exemption request is registered');
  // English too.
  await page.goto(`${page.url().split('#')[0]}#/cases/${opened.body.id}`);
  await page.getByLabel('Sprog').selectOption('en');
  await page.getByRole('heading', { name: 'Decision: refusal' }).waitFor();
  await page.getByText('You may appeal against this decision', { exact: false }).waitFor();
  assert.deepEqual(page.problems(), []);
});
