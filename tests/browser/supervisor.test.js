// Supervisor screens in a real browser: counts that change, the throughput chart and its CSV,
// exemptions decided; every screen checked with axe-core.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { launch, newPage, ensureOffices, signIn, devToken, call, cpr, copenhagenDay, accessible, screenshot, tokenOf, BASE } from './lib.js';

let browser;
before(async () => {
  await ensureOffices();
  browser = await launch();
});
after(async () => browser?.close());

async function openCaseByApi(token) {
  const r = await call('POST', '/api/v1/cases', token, {
    kind: 'standard',
    applicant: { cpr: cpr(), name: 'Lars Mikkelsen', address: { street: 'Østergade 3', postal_code: '8000', city: 'Aarhus C', country: 'DK' } },
  }, { 'Idempotency-Key': randomUUID() });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

const opened = (page, code) => page.locator('#status-counts tbody tr', { has: page.locator('th', { hasText: code }) }).locator('td[data-status="opened"]');

test('a supervisor sees the counts change and downloads the throughput CSV', async () => {
  const clerk = await devToken('clerk', 'AAR01', 'Per Clerk');
  await openCaseByApi(clerk);
  const page = await newPage(browser);
  await signIn(page, 'supervisor', null, 'Hanne Leder');
  await page.getByRole('heading', { name: 'Overblik' }).waitFor();
  await opened(page, 'AAR01').waitFor();
  const before = Number(await opened(page, 'AAR01').textContent());
  assert.ok(before >= 1);

  await openCaseByApi(clerk);
  await openCaseByApi(clerk);
  await page.getByRole('button', { name: 'Opdater' }).click();
  await page.waitForFunction((n) => {
    const row = [...document.querySelectorAll('#status-counts tbody tr')].find((r) => r.querySelector('th')?.textContent === 'AAR01');
    return row && Number(row.querySelector('td[data-status="opened"]').textContent) === n;
  }, before + 2);

  // The same totals per kind of case, as the status report gives them.
  const status = await call('GET', '/api/v1/reports/status', await tokenOf(page));
  const standard = status.body.by_kind.find((k) => k.kind === 'standard');
  assert.equal(Number(await page.locator('#kind-counts tr[data-kind="standard"] td[data-status="opened"]').textContent()), standard.opened);
  assert.equal(await page.locator('#kind-counts tbody tr').count(), status.body.by_kind.length);

  // The chart draws today's cases; its figures are also in a table.
  await page.locator('#throughput svg rect').first().waitFor();
  const today = copenhagenDay();
  const todayOpened = await call('GET', `/api/v1/reports/throughput?from=${today}&to=${today}`, await tokenOf(page));
  const sum = todayOpened.body.rows.reduce((a, r) => a + r.opened, 0);
  assert.ok(sum >= 3);
  const lastRow = page.locator('#throughput-table tbody tr').last();
  assert.equal(Number(await lastRow.locator('td').first().textContent()), sum);
  // The chart's last "opened" bar is today's, with that height's figure.
  assert.match(await page.locator('#throughput svg rect.bar-opened title').last().textContent(), new RegExp(`: Oprettet ${sum}$`));
  await accessible(page, 'supervisor overview');
  await screenshot(page, 'overview');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Hent CSV' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^throughput-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = (await readFile(await download.path(), 'utf8')).trim().split(/\r?\n/);
  assert.match(csv[0], /^period_start,office_id,office_code,opened/);
  const row = csv.find((l) => l.startsWith(`${today},`) && l.includes(',AAR01,'));
  assert.ok(row, `a row for AAR01 today in:\n${csv.join('\n')}`);
  assert.ok(Number(row.split(',')[3]) >= 3);

  // A case of any office opens for the supervisor, who may only cancel it.
  const someCase = await openCaseByApi(clerk);
  await page.goto(`${BASE}/#/cases/${someCase.id}`);
  await page.getByRole('heading', { name: new RegExp(someCase.case_number) }).waitFor();
  assert.deepEqual(await page.locator('[data-action]').allTextContents(), ['Annullér sag']);
  await page.goBack();
  await page.getByRole('heading', { name: 'Overblik' }).waitFor();

  // A bad range is refused next to the field.
  await page.getByLabel('Fra').fill(today);
  await page.getByLabel('Til').fill(copenhagenDay(-3));
  await page.getByRole('button', { name: 'Vis' }).click();
  await page.locator('[data-for="to"] .field-error', { hasText: 'Kan ikke ligge før fra-datoen.' }).waitFor();
  assert.deepEqual(page.problems(), []);
});

test('a clerk registers an exemption request and a supervisor decides it', async () => {
  const clerkPage = await newPage(browser);
  await signIn(clerkPage, 'clerk', 'KBH01', 'Eva Clerk');
  await clerkPage.getByRole('link', { name: 'Fritagelser' }).click();
  await clerkPage.getByRole('heading', { name: 'Registrér anmodning om fritagelse' }).waitFor();
  const name = `Birthe Holm ${randomUUID().slice(0, 4)}`;
  await clerkPage.getByLabel('Borgerens CPR-nummer').fill(cpr());
  await clerkPage.getByLabel('Borgerens navn').fill(name);
  // "Other" needs a note: the refusal lands next to the note.
  await clerkPage.getByLabel('Årsag').selectOption('other');
  await clerkPage.getByRole('button', { name: 'Registrér anmodning' }).click();
  await clerkPage.locator('[data-for="note"] .field-error', { hasText: 'Skal udfyldes, når begrundelsen er "Andet".' }).waitFor();
  // By proxy, the power of attorney must have been seen.
  await clerkPage.getByLabel('Bemærkning').fill('Ønsker brev med posten');
  await clerkPage.getByLabel('Via fuldmagt').check();
  await clerkPage.getByLabel('Fuldmagtshaverens navn').fill('Karl Holm');
  await clerkPage.getByLabel('Fuldmagtshaverens CPR-nummer').fill(cpr());
  await clerkPage.getByRole('button', { name: 'Registrér anmodning' }).click();
  await clerkPage.locator('[data-for="proxy.power_of_attorney_seen"] .field-error', { hasText: 'Fuldmagten skal være forevist.' }).waitFor();
  await clerkPage.getByLabel('Fuldmagten er forevist').check();
  await clerkPage.getByRole('button', { name: 'Registrér anmodning' }).click();
  await clerkPage.locator('.notice', { hasText: 'Anmodningen er registreret' }).waitFor();
  await clerkPage.getByRole('row', { name: new RegExp(name) }).getByText('Afventer').waitFor();
  // The form is fresh for the next citizen, in person by default.
  assert.equal(await clerkPage.getByLabel('Borgerens navn').inputValue(), '');
  assert.equal(await clerkPage.getByLabel('Personligt fremmødt').isChecked(), true);
  const second = `Poul Berg ${randomUUID().slice(0, 4)}`;
  await clerkPage.getByLabel('Borgerens CPR-nummer').fill(cpr());
  await clerkPage.getByLabel('Borgerens navn').fill(second);
  await clerkPage.getByRole('button', { name: 'Registrér anmodning' }).click();
  await clerkPage.getByRole('row', { name: new RegExp(second) }).getByText('Afventer').waitFor();
  assert.equal(await clerkPage.locator('.notice').count(), 1);
  await accessible(clerkPage, 'exemptions (clerk)');
  await screenshot(clerkPage, 'exemption-register');
  assert.deepEqual(clerkPage.problems(), []);

  const page = await newPage(browser);
  await signIn(page, 'supervisor', null, 'Hanne Leder');
  await page.getByRole('link', { name: 'Fritagelser' }).click();
  const card = page.locator('section.card', { has: page.getByRole('heading', { name: new RegExp(name) }) });
  await card.waitFor();
  await card.getByText('Via fuldmagt — Karl Holm').waitFor();
  await accessible(page, 'exemptions (supervisor)');
  await screenshot(page, 'exemptions');

  // A decision must be chosen; refusing needs a reason (the server's refusal, next to the field).
  await card.getByRole('button', { name: 'Gem' }).click();
  await card.locator('[data-for="outcome"] .field-error', { hasText: 'Vælg en af mulighederne.' }).waitFor();
  await card.getByLabel('Afslå').check();
  await card.getByRole('button', { name: 'Gem' }).click();
  await card.locator('[data-for="reason"] .field-error', { hasText: 'Skal udfyldes ved afslag.' }).waitFor();
  await card.getByLabel('Bevil').check();
  await card.getByRole('button', { name: 'Gem' }).click();
  await page.locator('.notice', { hasText: 'Afgørelsen er registreret.' }).waitFor();
  const found = await call('POST', '/api/v1/exemptions/search', await tokenOf(page), { status: ['granted'], limit: 100 });
  assert.ok(found.body.items.some((x) => x.citizen.name === name), 'granted');
  await card.waitFor({ state: 'detached' });
  // Now among the granted ones, which a supervisor may revoke too.
  const grantedRow = page.getByRole('row', { name: new RegExp(name) });
  await grantedRow.getByRole('button', { name: `Tilbagekald: ${name}` }).waitFor();
  // The decision is a letter: offered in the row, downloaded as a PDF.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    grantedRow.getByRole('button', { name: `Hent afgørelse (PDF): ${name}` }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^exemption-decision-v2\.pdf$/);
  await accessible(page, 'exemptions (supervisor, after a decision)');
  assert.deepEqual(page.problems(), []);

  // Back at the desk: the granted exemption is revoked when the citizen's situation changes.
  await clerkPage.getByRole('link', { name: 'Fritagelser' }).click();
  const row = clerkPage.getByRole('row', { name: new RegExp(name) });
  await row.getByText('Bevilget').waitFor();
  await row.getByRole('button', { name: `Tilbagekald: ${name}` }).click();
  await clerkPage.getByRole('button', { name: 'Tilbagekald', exact: true }).click();
  await clerkPage.locator('[data-for="reason"] .field-error', { hasText: 'Skal udfyldes.' }).waitFor();
  await clerkPage.getByLabel('Begrundelse for tilbagekaldelsen').fill('Borgeren har fået NemID');
  await accessible(clerkPage, 'revoking an exemption');
  await clerkPage.getByRole('button', { name: 'Tilbagekald', exact: true }).click();
  await clerkPage.locator('.notice', { hasText: 'Fritagelsen er tilbagekaldt.' }).waitFor();
  await clerkPage.getByRole('row', { name: new RegExp(name) }).getByText('Tilbagekaldt').waitFor();
  assert.deepEqual(clerkPage.problems(), []);
});

test('the sign-in screen is accessible and works by keyboard alone', async () => {
  const page = await newPage(browser);
  await page.goto(`${BASE}/`);
  await page.getByRole('heading', { name: 'Log ind' }).waitFor();
  await page.getByLabel('Kontor').waitFor();
  assert.equal(await page.locator('#sign-out').isVisible(), false, 'no sign-out before signing in');
  await accessible(page, 'sign-in');
  await screenshot(page, 'sign-in');
  // Keyboard only: from the heading, Tab through role, office and name to the button.
  await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.field), 'role');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.field), 'office');
  await page.keyboard.press('ArrowDown'); // the second office of the kind, if any, else stays
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.field), 'name');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('Tastatur Bruger');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Log ind');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Arbejdskø' }).waitFor();
  // Focus moves to the new screen's heading.
  await page.waitForFunction(() => document.activeElement?.tagName === 'H1' && document.activeElement.textContent === 'Arbejdskø');
  // The skip link moves focus to the content and keeps the screen.
  await page.locator('#skip-link').focus();
  assert.ok((await page.locator('#skip-link').boundingBox()).x >= 0, 'visible when focused');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
  assert.equal(await page.evaluate(() => location.hash), '#/queue');
  assert.equal(await page.title(), 'Arbejdskø – NemID-skranken');
  assert.deepEqual(page.problems(), []);
});

test('an administrator sees and opens offices, and has no case screens', async () => {
  const page = await newPage(browser);
  await signIn(page, 'admin', null, 'Ada Admin');
  await page.getByRole('heading', { name: 'Kontorer', exact: true }).waitFor();
  await page.getByRole('row', { name: /KBH01 Borgerservice København/ }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Arbejdskø' }).count(), 0);
  await accessible(page, 'offices (administrator)');

  // Opening a bank branch: the bank's name is asked for, and a taken code is refused by its field.
  const code = 'ODE01'; // each run has a fresh database
  await page.getByLabel('Kode').fill(code);
  await page.getByLabel('Navn', { exact: true }).fill('Danske Bank Odense');
  await page.getByLabel('Bankfilial').check();
  await page.getByLabel('Vej og nummer').fill('Vestergade 20');
  await page.getByLabel('Postnummer').fill('5000');
  await page.getByLabel('By', { exact: true }).fill('Odense C');
  await page.getByRole('button', { name: 'Opret kontor' }).click();
  await page.locator('[data-for="bank_name"] .field-error', { hasText: 'Skal udfyldes.' }).waitFor();
  await page.getByLabel('Bankens navn').fill('Danske Bank');
  await page.getByRole('button', { name: 'Opret kontor' }).click();
  await page.locator('.notice', { hasText: `Kontor ${code} er oprettet.` }).waitFor();
  await page.getByRole('row', { name: new RegExp(`${code} Danske Bank Odense Bankfilial`) }).waitFor();
  await screenshot(page, 'offices');
  await page.getByLabel('Kode').fill('KBH01');
  await page.getByLabel('Navn', { exact: true }).fill('Dublet');
  await page.getByLabel('Vej og nummer').fill('Vestergade 20');
  await page.getByLabel('Postnummer').fill('5000');
  await page.getByLabel('By', { exact: true }).fill('Odense C');
  await page.getByRole('button', { name: 'Opret kontor' }).click();
  await page.locator('[data-for="code"] .field-error', { hasText: 'Der findes allerede et kontor med denne kode.' }).waitFor();
  await accessible(page, 'offices with a refusal');
  assert.deepEqual(page.problems(), []);
});

test('a supervisor finds a case at another office by its number and by the CPR number, paged', async () => {
  const clerk = await devToken('clerk', 'AAR01', 'Per Clerk');
  const mine = await openCaseByApi(clerk);
  const page = await newPage(browser);
  await signIn(page, 'supervisor', null, 'Hanne Leder');
  await page.getByRole('link', { name: 'Find sag' }).click();
  await page.getByRole('heading', { name: 'Find en sag' }).waitFor();
  await accessible(page, 'supervisor case search');

  // A malformed case number is refused in the form, next to its field, before anything is sent.
  await page.getByLabel('Sagsnummer').fill('nonsense');
  await page.getByRole('button', { name: 'Søg' }).click();
  await page.getByText('Skriv et sagsnummer som KBH01-2026-000042.').waitFor();

  // By number: exactly that case, its office shown, the CPR number masked.
  await page.getByLabel('Sagsnummer').fill(mine.case_number.toLowerCase());
  await page.getByRole('button', { name: 'Søg' }).click();
  await page.getByRole('heading', { name: 'Fundne sager' }).waitFor();
  const rows = page.locator('table tbody tr');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 1);
  const row = await rows.first().textContent();
  assert.ok(row.includes(mine.case_number) && row.includes('AAR01') && row.includes(mine.applicant.cpr_masked), row);
  assert.ok(!row.includes(mine.applicant.cpr_masked.slice(0, 6) + '-' + '1'), 'no full CPR number in the list');

  // By CPR number (sent in the body; the address bar never holds it) and status, across offices.
  await page.getByLabel('Sagsnummer').fill('');
  const full = (await call('GET', `/api/v1/cases/${mine.id}`, clerk)).body.applicant.cpr;
  await page.getByLabel('Ansøgerens CPR-nummer').fill(full);
  await page.getByLabel('Status').selectOption('opened');
  await page.getByRole('button', { name: 'Søg' }).click();
  await page.locator('table tbody tr', { hasText: mine.case_number }).waitFor();
  assert.ok(!page.url().includes(full.slice(0, 6)), page.url());

  // A date range that ends before it starts is refused in the form.
  await page.getByLabel('Ansøgerens CPR-nummer').fill('');
  await page.getByLabel('Status').selectOption('');
  await page.getByLabel('Oprettet fra').fill(copenhagenDay());
  await page.getByLabel('Oprettet til og med').fill(copenhagenDay(-1));
  await page.getByRole('button', { name: 'Søg' }).click();
  await page.getByText('Slutdatoen må ikke ligge før startdatoen.').waitFor();

  // Today's cases of every office, 25 to a page: the next page holds others.
  for (let i = 0; i < 26; i += 1) await openCaseByApi(clerk);
  await page.getByLabel('Oprettet til og med').fill(copenhagenDay());
  await page.getByRole('button', { name: 'Søg' }).click();
  await page.getByRole('button', { name: 'Næste side' }).waitFor();
  assert.equal(await rows.count(), 25);
  const first = await rows.first().textContent();
  await page.getByRole('button', { name: 'Næste side' }).click();
  await page.waitForFunction((f) => document.querySelector('table tbody tr')?.textContent !== f, first);
  assert.ok((await rows.count()) >= 1);
  await page.close();
});
