// Signing in with static keys only: a server with a configured key has no development sign-in,
// and a token is pasted. (Signing in through the identity provider: signin.test.js.)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, accessible, screenshot } from './lib.js';

const KEYED = process.env.KEYED_URL;
const ADMIN = process.env.KEYED_ADMIN_TOKEN;
const CLERK = process.env.KEYED_CLERK_TOKEN;

let browser;
before(async () => {
  const res = await fetch(`${KEYED}/api/v1/offices`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ code: 'KBH01', name: 'Borgerservice København', kind: 'citizen_service_centre', address: { street: 'Sjællandsgade 40', postal_code: '2200', city: 'København N', country: 'DK' } }),
  });
  assert.ok([201, 409].includes(res.status), `office: ${res.status}`);
  browser = await launch();
});
after(async () => browser?.close());

test('with a configured key there is no development sign-in; a pasted token signs in', async () => {
  assert.equal((await fetch(`${KEYED}/dev/offices`)).status, 404);
  assert.equal((await fetch(`${KEYED}/dev/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"role":"admin","name":"x"}' })).status, 404);
  const page = await newPage(browser);
  await page.goto(`${KEYED}/`);
  await page.getByRole('heading', { name: 'Log ind' }).waitFor();
  assert.equal(await page.getByLabel('Rolle').count(), 0, 'no role picker');
  assert.equal(await page.getByRole('link', { name: 'Log ind via kommunens identitetsudbyder' }).count(), 0, 'no identity provider here');
  await accessible(page, 'sign-in (production)');
  await screenshot(page, 'sign-in-production');

  await page.getByLabel('Adgangsnøgle (JWT)').fill('not-a-token');
  await page.getByRole('button', { name: 'Brug adgangsnøglen' }).click();
  await page.locator('[data-for="token"] .field-error', { hasText: 'Din adgang er udløbet eller ugyldig' }).waitFor();
  await page.getByLabel('Adgangsnøgle (JWT)').fill(CLERK);
  await page.getByRole('button', { name: 'Brug adgangsnøglen' }).click();
  await page.getByRole('heading', { name: 'Arbejdskø' }).waitFor();
  await page.getByText('Keyed Clerk').waitFor();
  assert.deepEqual(page.problems(), []);
});
