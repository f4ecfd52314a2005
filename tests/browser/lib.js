// Shared by the browser tests: the browser, sign-in through the UI, API calls for set-up,
// accessibility checks and screenshots.

import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export const BASE = process.env.BASE_URL;
const ADMIN = process.env.ADMIN_TOKEN;
const SHOTS = process.env.SCREENSHOT_DIR;
assert.ok(BASE && ADMIN, 'run through tests/browser/run (BASE_URL and ADMIN_TOKEN)');

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // Root in a container has no user namespace for Chromium's sandbox.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/** A page that records script errors and CSP violations; `page.problems()` lists them. */
export async function newPage(browser, opts = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, locale: 'da-DK', timezoneId: 'Europe/Copenhagen', ...opts });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // A refused request (4xx) is logged by Chromium as a failed resource: that is expected here.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
  });
  page.problems = () => problems;
  return page;
}

/** Today (plus `days`) as a Copenhagen calendar date, `YYYY-MM-DD`. */
export function copenhagenDay(days = 0) {
  const d = new Date(Date.now() + days * 86400000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Copenhagen', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

/** A CPR number of someone born in 1950–1999 (7th digit 0–3: the 1900s). */
export function cpr() {
  const y = 1950 + randomInt(50);
  const m = 1 + randomInt(12);
  const d = 1 + randomInt(28);
  const p2 = (n) => String(n).padStart(2, '0');
  return `${p2(d)}${p2(m)}${p2(y % 100)}-${randomInt(4)}${String(randomInt(1000)).padStart(3, '0')}`;
}

/** A CPR number of someone who turns 15 in `days` days. */
export function cprTurning15In(days) {
  const born = new Date(`${copenhagenDay(days)}T00:00:00Z`);
  born.setUTCFullYear(born.getUTCFullYear() - 15);
  const iso = born.toISOString().slice(0, 10);
  const [y, m, d] = iso.split('-');
  // Born 2000–2036 with 7th digit 4: the 2000s.
  return { cpr: `${d}${m}${y.slice(2)}-4${String(randomInt(1000)).padStart(3, '0')}`, from: copenhagenDay(days) };
}

export async function call(method, path, token, body, headers = {}) {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, etag: res.headers.get('etag'), body: text ? JSON.parse(text) : null };
}

let offices = null;
/** The offices every test uses, created once. */
export async function ensureOffices() {
  if (offices) return offices;
  const make = async (body) => {
    const r = await call('POST', '/api/v1/offices', ADMIN, body);
    if (r.status === 201) return r.body;
    const list = await call('GET', '/api/v1/offices?limit=100', ADMIN);
    return list.body.items.find((o) => o.code === body.code);
  };
  offices = {
    kbh: await make({ code: 'KBH01', name: 'Borgerservice København', kind: 'citizen_service_centre', address: { street: 'Sjællandsgade 40', postal_code: '2200', city: 'København N', country: 'DK' } }),
    aar: await make({ code: 'AAR01', name: 'Borgerservice Aarhus', kind: 'citizen_service_centre', address: { street: 'Hack Kampmanns Plads 2', postal_code: '8000', city: 'Aarhus C', country: 'DK' } }),
  };
  return offices;
}

/** A token from the development sign-in endpoint (what the sign-in screen uses). */
export async function devToken(role, office, name) {
  const res = await fetch(`${BASE}/dev/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ role, office, name }) });
  assert.equal(res.status, 200);
  return (await res.json()).token;
}

/** Signs in through the sign-in screen. */
export async function signIn(page, role, office, name) {
  await page.goto(`${BASE}/`);
  await page.getByRole('heading', { name: 'Log ind' }).waitFor();
  await page.getByLabel('Rolle').selectOption(role);
  if (office) await page.getByLabel('Kontor').selectOption(office);
  await page.getByLabel('Dit navn').fill(name);
  await page.getByRole('button', { name: 'Log ind' }).click();
  await page.getByText(name).first().waitFor();
}


// Desk forms, filled as a clerk fills them.

export async function fillPhotoId(page, prefix) {
  await page.locator(`[data-field="${prefix}.type"]`).selectOption('passport');
  await page.locator(`[data-field="${prefix}.number"]`).fill('P1234567');
  await page.locator(`[data-field="${prefix}.expires_on"]`).fill(copenhagenDay(900));
  await page.locator(`[data-field="${prefix}.issuing_country"]`).fill('DK');
}

export async function fillNewCase(page, kind, applicantCpr, name) {
  await page.getByRole('link', { name: 'Ny sag' }).click();
  await page.getByRole('heading', { name: 'Opret sag' }).waitFor();
  await page.locator(`input[name="kind"][value="${kind}"]`).check();
  await page.getByLabel('CPR-nummer').fill(applicantCpr);
  await page.getByLabel('Fulde navn').fill(name);
  await page.getByLabel('Vej og nummer').fill('Nørregade 7');
  await page.getByLabel('Postnummer').fill('1165');
  await page.getByLabel('By', { exact: true }).fill('København K');
  await page.getByRole('button', { name: 'Opret sag' }).click();
}

export async function openCase(page, kind, applicantCpr, name) {
  await fillNewCase(page, kind, applicantCpr, name);
  await page.getByRole('heading', { name: /^Sag / }).waitFor();
  return page.url().split('/').pop();
}

export async function identityCheck(page, applicantCpr) {
  await page.getByRole('button', { name: 'Kontrollér identitet' }).click();
  await fillPhotoId(page, 'photo_id');
  await page.getByLabel('Billedet viser ansøgeren').check();
  await page.getByLabel('Det gule sundhedskort er fremvist').check();
  await page.getByLabel('CPR-nummer på sundhedskortet').fill(applicantCpr);
  await page.getByRole('button', { name: 'Udfør: Kontrollér identitet' }).click();
  await page.locator('.notice', { hasText: 'Kontrollér identitet: udført.' }).waitFor();
}

/** The signed-in tab's token (to check results through the API). */
export async function tokenOf(page) {
  return page.evaluate(() => sessionStorage.getItem('nemid-desk.token'));
}

/** axe-core (WCAG 2.1 A/AA rules): no serious or critical violation on the screen as it is. */
export async function accessible(page, screen) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  if (process.env.AXE_VERBOSE) for (const v of result.violations) console.log(`axe ${screen}: ${v.impact} ${v.id} ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  // The acceptance line is "no serious or critical"; moderate ones are held to zero too.
  const bad = result.violations.filter((v) => ['moderate', 'serious', 'critical'].includes(v.impact));
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), [], `axe on ${screen}`);
  return result;
}

export async function screenshot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** The formatted date the page shows for `iso` (the page's own locale rules). */
export async function shownDate(page, iso) {
  return page.evaluate((d) => new Intl.DateTimeFormat('da-DK', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })
    .format(new Date(`${d}T00:00:00Z`)), iso);
}
