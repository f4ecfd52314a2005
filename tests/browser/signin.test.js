// Signing in through the municipality's identity provider: a real OpenID provider
// (tests/oidc, `oidc-provider`) with its own login page; the desk keeps a session, the browser
// only an HttpOnly cookie. A clerk signs in, works a case and signs out (here and at the
// provider); a user without a role is told why they cannot get in.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, accessible, screenshot, cpr, openCase, identityCheck } from './lib.js';

const DESK = process.env.OIDC_URL;
const ADMIN = process.env.OIDC_ADMIN_TOKEN;
const IDP = process.env.OIDC_ISSUER_URL;

let browser;
before(async () => {
  assert.ok(DESK && ADMIN && IDP, 'run through tests/browser/run (OIDC_URL, OIDC_ADMIN_TOKEN, OIDC_ISSUER_URL)');
  const res = await fetch(`${DESK}/api/v1/offices`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ code: 'KBH01', name: 'Borgerservice København', kind: 'citizen_service_centre', address: { street: 'Sjællandsgade 40', postal_code: '2200', city: 'København N', country: 'DK' } }),
  });
  assert.ok([201, 409].includes(res.status), `office: ${res.status}`);
  browser = await launch();
});
after(async () => browser?.close());

async function providerLogin(page, login) {
  await page.waitForURL((u) => u.href.startsWith(IDP));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
}

test('a clerk signs in at the identity provider, works a case and signs out there too', async () => {
  const page = await newPage(browser);
  await page.goto(`${DESK}/`);
  await page.getByRole('heading', { name: 'Log ind' }).waitFor();
  assert.equal(await page.getByLabel('Rolle').count(), 0, 'no development sign-in');
  assert.equal(await page.getByLabel('Adgangsnøgle (JWT)').count(), 0, 'no token to paste');
  await accessible(page, 'sign-in (identity provider)');
  await screenshot(page, 'sign-in-identity-provider');

  await page.getByRole('link', { name: 'Log ind via kommunens identitetsudbyder' }).click();
  await providerLogin(page, 'karen');
  await page.getByRole('heading', { name: 'Arbejdskø' }).waitFor();
  await page.getByText('Karen Clerk').first().waitFor();
  assert.ok(page.url().startsWith(DESK), page.url());

  // The browser holds the session cookie only: HttpOnly, Secure, SameSite=Strict; no token anywhere.
  const cookies = await page.context().cookies(DESK);
  const session = cookies.find((c) => c.name === '__Host-nemid-desk-session');
  assert.ok(session, JSON.stringify(cookies));
  assert.deepEqual([session.httpOnly, session.secure, session.sameSite, session.path], [true, true, 'Strict', '/']);
  assert.equal(await page.evaluate(() => document.cookie), '', 'no cookie a script can read');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('nemid-desk.token')), null);

  // Work a case: open it and check identity (both state-changing, both through the session).
  const applicant = cpr();
  await openCase(page, 'standard', applicant, 'Mette Sørensen');
  await identityCheck(page, applicant);

  // Sign out: the session ends here, then at the provider, which sends the browser back.
  await page.getByRole('button', { name: 'Log ud' }).click();
  await page.waitForURL((u) => u.href.startsWith(IDP));
  await page.getByRole('button', { name: /yes, sign me out/i }).click();
  await page.waitForURL((u) => u.href.startsWith(DESK));
  await page.getByRole('heading', { name: 'Log ind' }).waitFor();
  assert.equal((await page.context().cookies(DESK)).filter((c) => c.name === '__Host-nemid-desk-session').length, 0);
  const replayed = await fetch(`${DESK}/api/v1/me`, { headers: { Cookie: `${session.name}=${session.value}` } });
  assert.equal(replayed.status, 401, 'the old session is over');

  // Signing in again goes through the provider's login page again (its session ended too).
  await page.getByRole('link', { name: 'Log ind via kommunens identitetsudbyder' }).click();
  await page.waitForURL((u) => u.href.startsWith(IDP));
  await page.locator('input[name="login"]').waitFor();
  assert.deepEqual(page.problems(), []);
});

test('a user whose groups give no role is told so and gets no session', async () => {
  const page = await newPage(browser);
  await page.goto(`${DESK}/`);
  await page.getByRole('link', { name: 'Log ind via kommunens identitetsudbyder' }).click();
  await providerLogin(page, 'visitor');
  await page.getByText('Din konto har ingen rolle i NemID-skranken').waitFor();
  await page.getByRole('heading', { name: 'Log ind' }).waitFor();
  assert.equal((await page.context().cookies(DESK)).filter((c) => c.name === '__Host-nemid-desk-session').length, 0);
  await accessible(page, 'sign-in refused (no role)');
  assert.deepEqual(page.problems(), []);
});
