// Papers at the desk: right after a handout the receipt is offered, and it downloads as a PDF;
// a refused case offers its decision. Keyboard reachable, axe-clean.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, newPage, ensureOffices, signIn, cpr, accessible, screenshot, openCase, identityCheck } from './lib.js';

let browser;
before(async () => {
  await ensureOffices();
  browser = await launch();
});
after(async () => browser?.close());

async function downloaded(page, button) {
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  const bytes = readFileSync(await download.path());
  return { name: download.suggestedFilename(), bytes };
}

test('the receipt is offered right after the handout and downloads as a PDF', async () => {
  const page = await newPage(browser);
  await signIn(page, 'clerk', 'KBH01', 'Karen Jensen');
  const who = cpr();
  await openCase(page, 'standard', who, 'Ida Dokument');
  // Nothing handed out yet: no documents.
  assert.equal(await page.getByRole('heading', { name: 'Dokumenter' }).count(), 0);
  await identityCheck(page, who);
  await page.getByRole('button', { name: 'Udlever første halvdel' }).click();
  await page.getByRole('button', { name: 'Udfør: Udlever første halvdel' }).click();
  await page.locator('.notice', { hasText: 'Udlever første halvdel: udført.' }).waitFor();
  const offer = page.locator('#receipt-offer');
  await offer.getByText('Giv ansøgeren kvitteringen').waitFor();
  await accessible(page, 'case with the receipt offered');
  await screenshot(page, 'receipt-offered');
  const button = offer.getByRole('button', { name: 'Hent kvittering (PDF)' });
  // By keyboard: the button takes focus like any other.
  await button.focus();
  const pdf = await downloaded(page, button);
  assert.match(pdf.name, /^KBH01-\d{4}-\d{6}-receipt-v3\.pdf$/);
  assert.equal(pdf.bytes.subarray(0, 5).toString(), '%PDF-');
  await page.getByRole('status').filter({ hasText: 'kvittering er hentet' }).first().waitFor({ state: 'attached' });

  // A refused case offers its decision.
  const other = cpr();
  await openCase(page, 'standard', other, 'Jens Afslag');
  await page.getByRole('button', { name: 'Afvis ansøgning' }).click();
  await page.getByLabel('Identiteten er ikke dokumenteret').check();
  await page.getByRole('button', { name: 'Udfør: Afvis ansøgning' }).click();
  const refusal = page.getByRole('button', { name: 'Hent afgørelse om afslag (PDF)' });
  await refusal.waitFor();
  const decision = await downloaded(page, refusal);
  assert.match(decision.name, /refusal-v2\.pdf$/);
  assert.equal(decision.bytes.subarray(0, 5).toString(), '%PDF-');
  assert.deepEqual(page.problems(), []);
});
