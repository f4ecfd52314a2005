// CPR numbers checked as the server checks them (src/domain/cpr.rs, docs/DOMAIN.md rule 1): 10
// digits, DDMMYY-SSSS or DDMMYYSSSS, the date real in the century the 7th digit gives. No
// modulus-11 check (numbers without it exist since 2007). Age as of a Copenhagen day.

export const MIN_APPLICANT_AGE = 15;

/** `{ ok: true, born: 'YYYY-MM-DD' }` or `{ ok: false, error: 'format' | 'date' }`. */
export function parseCpr(input) {
  const s = String(input ?? '').trim();
  let digits;
  if (/^\d{10}$/.test(s)) digits = s;
  else if (/^\d{6}-\d{4}$/.test(s)) digits = s.slice(0, 6) + s.slice(7);
  else return { ok: false, error: 'format' };
  const day = Number(digits.slice(0, 2));
  const month = Number(digits.slice(2, 4));
  const yy = Number(digits.slice(4, 6));
  const seventh = Number(digits[6]);
  let century;
  if (seventh <= 3) century = 1900;
  else if (seventh === 4 || seventh === 9) century = yy <= 36 ? 2000 : 1900;
  else century = yy <= 57 ? 2000 : 1800;
  const year = century + yy;
  const d = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || month > 12 || d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) {
    return { ok: false, error: 'date' };
  }
  const born = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return { ok: true, born, digits };
}

/** Whole years of age on `today` (`YYYY-MM-DD`). */
export function ageOn(born, today) {
  const [by, bm, bd] = born.split('-').map(Number);
  const [ty, tm, td] = today.split('-').map(Number);
  let age = ty - by;
  if (tm < bm || (tm === bm && td < bd)) age -= 1;
  return age;
}

/** The day someone born on `born` turns `years` (29 February: 1 March in common years). */
export function birthday(born, years) {
  const [by, bm, bd] = born.split('-').map(Number);
  const y = by + years;
  const d = new Date(Date.UTC(y, bm - 1, bd));
  const iso = (dt) => dt.toISOString().slice(0, 10);
  if (d.getUTCMonth() !== bm - 1) return iso(new Date(Date.UTC(y, 2, 1)));
  return iso(d);
}

/** The message the server would give for this CPR as an applicant's, or null if it passes. */
export function applicantCprProblem(input, today) {
  const p = parseCpr(input);
  if (!p.ok) {
    return p.error === 'format'
      ? 'must be 10 digits, DDMMYY-SSSS or DDMMYYSSSS'
      : 'the date part is not a real date in the century the 7th digit gives';
  }
  if (ageOn(p.born, today) < MIN_APPLICANT_AGE) {
    return `the applicant must be 15 or over; they may apply from ${birthday(p.born, MIN_APPLICANT_AGE)}`;
  }
  return null;
}
