// The public order page (/bestil): no sign-in, keyboard only, Danish and English. A matching
// order becomes a case a supervisor sees; a non-matching one shows exactly the same page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, ensureOffices, signIn, tokenOf, call, accessible, screenshot } from './lib.js';

let browser;
before(async () => {
  await ensureOffices();
  browser = await launch();
});
after(async () => browser?.close());

/** Fills and sends the order with the keyboard alone; returns what the page then says. */
async function orderByKeyboard(page, cpr, number, lang = 'da') {
  await page.goto(`${BASE}/bestil${lang === 'en' ? '?lang=en' : ''}`);
  await page.locator('#cpr').waitFor();
  await page.keyboard.press('Tab'); // the skip link
  await page.keyboard.press('Enter');
  // From the main region: the CPR field, the radio group (passport chosen), the number, submit.
  await page.locator('#cpr').focus();
  await page.keyboard.type(cpr);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'type-passport');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'number');
  await page.keyboard.type(number);
  await page.keyboard.press('Enter');
  await page.locator('#received:not([hidden])').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'title', 'focus moves to the answer');
  return page.evaluate(() => ({
    title: document.getElementById('title').textContent,
    text: document.getElementById('received-text').textContent,
    html: document.getElementById('main').innerHTML,
  }));
}

test('a matching order and a non-matching one show the same page; the match becomes a case', async () => {
  const page = await newPage(browser);
  await page.goto(`${BASE}/bestil`);
  await page.getByRole('heading', { name: 'Bestil NemID online' }).waitFor();
  await accessible(page, 'order page');
  await screenshot(page, 'order');

  // Malformed input is told apart, next to the field.
  await page.getByLabel('CPR-nummer').fill('12345');
  await page.getByLabel('Dokumentets nummer').fill('AB1234567');
  await page.getByRole('button', { name: 'Bestil NemID' }).click();
  await page.locator('#cpr-err:not([hidden])', { hasText: 'Skriv dit CPR-nummer' }).waitFor();
  assert.equal(await page.getByLabel('CPR-nummer').getAttribute('aria-invalid'), 'true');
  await accessible(page, 'order page with an error');

  const matching = await orderByKeyboard(page, '010190-1234', 'AB1234567');
  assert.equal(matching.title, 'Bestillingen er modtaget');
  assert.match(matching.text, /to breve til din adresse i CPR-registret inden for 10 dage/);
  await accessible(page, 'order received');
  await screenshot(page, 'order-received');
  const other = await newPage(browser);
  const nonMatching = await orderByKeyboard(other, '010190-1234', 'ZZ9999999');
  assert.deepEqual(nonMatching, matching, 'a non-matching order must show exactly the same page');

  // In English too.
  const english = await orderByKeyboard(await newPage(browser), '030370-3456', 'CA1234567', 'en');
  assert.equal(english.title, 'Your order has been received');
  assert.match(english.text, /two letters will be posted to your address in the CPR register within 10 days/);

  // The supervisor finds the case at the online service's office.
  const sup = await newPage(browser);
  await signIn(sup, 'supervisor', null, 'Susanne Leder');
  const token = await tokenOf(sup);
  let id = null;
  for (let i = 0; i < 100 && !id; i++) {
    const r = await call('GET', '/api/v1/cases?kind=online', token);
    id = r.body.items.find((c) => c.applicant.name === 'Anne Online')?.id ?? null;
    if (!id) await new Promise((res) => setTimeout(res, 100));
  }
  assert.ok(id, 'the matching order became a case');
  const all = await call('GET', '/api/v1/cases?kind=online', token);
  assert.equal(all.body.items.length, 1, 'only the matching order made a case (the others were refused silently)');
  await sup.goto(`${BASE}/#/cases/${id}`);
  await sup.getByRole('heading', { name: /^Sag ONLINE-/ }).waitFor();
  await sup.getByText('Bestilt online').first().waitFor();
  await sup.locator('h1 .badge', { hasText: 'Begge halvdele afsendt' }).waitFor();
  await accessible(sup, 'online case for a supervisor');
  await screenshot(sup, 'online-case');
  for (const p of [page, other, sup]) assert.deepEqual(p.problems(), [], 'no script errors or CSP violations');
});
