// The front end checks CPR numbers as they are typed with the server's rules; these are the
// server's own unit-test vectors (src/domain/cpr.rs, src/domain/rules.rs), so the two agree.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCpr, ageOn, birthday, applicantCprProblem } from '../../ui/js/cpr.js';

test('malformed numbers and impossible dates are refused as the server refuses them', () => {
  for (const bad of ['', '010190123', '01019012345', '010190 1234', '0101-901234', '01019O1234', '010190_1234', '٠١٠١٩٠١٢٣٤']) {
    assert.deepEqual(parseCpr(bad), { ok: false, error: 'format' }, bad);
  }
  for (const bad of ['320190-1234', '001090-1234', '011390-1234', '300290-1234', '290201-1234']) {
    assert.deepEqual(parseCpr(bad), { ok: false, error: 'date' }, bad);
  }
  assert.equal(parseCpr('010190-1234').born, '1990-01-01');
  assert.equal(parseCpr(' 0101901234 ').born, '1990-01-01');
});

test('every century digit and year band', () => {
  const cases = [
    [0, 0, 1900], [0, 36, 1900], [0, 37, 1900], [0, 57, 1900], [0, 58, 1900], [0, 99, 1900], [1, 10, 1900], [2, 50, 1900], [3, 99, 1900],
    [4, 0, 2000], [4, 36, 2000], [4, 37, 1900], [4, 57, 1900], [4, 58, 1900], [4, 99, 1900], [9, 0, 2000], [9, 36, 2000], [9, 37, 1900], [9, 99, 1900],
    [5, 0, 2000], [5, 36, 2000], [5, 37, 2000], [5, 57, 2000], [5, 58, 1800], [5, 99, 1800], [6, 20, 2000], [7, 57, 2000], [8, 58, 1800], [8, 99, 1800],
  ];
  for (const [seventh, yy, century] of cases) {
    const s = `0101${String(yy).padStart(2, '0')}${seventh}234`;
    assert.equal(parseCpr(s).born, `${century + yy}-01-01`, s);
  }
});

test('leap days depend on the century', () => {
  assert.equal(parseCpr('290200-4000').born, '2000-02-29');
  assert.deepEqual(parseCpr('290200-0000'), { ok: false, error: 'date' });
  assert.equal(parseCpr('290296-1111').born, '1996-02-29');
  assert.equal(parseCpr('290200-5000').born, '2000-02-29');
});

test('ages turn on the birthday, 29 February on 1 March in common years', () => {
  const born = parseCpr('151110-4321').born;
  assert.equal(ageOn(born, '2025-11-14'), 14);
  assert.equal(ageOn(born, '2025-11-15'), 15);
  const leap = parseCpr('290208-4321').born;
  assert.equal(ageOn(leap, '2023-02-28'), 14);
  assert.equal(ageOn(leap, '2023-03-01'), 15);
  assert.equal(ageOn(leap, '2024-02-29'), 16);
  assert.equal(birthday(leap, 15), '2023-03-01');
  assert.equal(birthday(born, 15), '2025-11-15');
});

test('applicants under 15 are told the day they may apply', () => {
  assert.equal(applicantCprProblem('151110-4321', '2025-11-15'), null);
  assert.equal(applicantCprProblem('151110-4321', '2025-11-14'), 'the applicant must be 15 or over; they may apply from 2025-11-15');
  assert.equal(applicantCprProblem('290208-4321', '2023-02-28'), 'the applicant must be 15 or over; they may apply from 2023-03-01');
  assert.equal(applicantCprProblem('0101', '2025-01-01'), 'must be 10 digits, DDMMYY-SSSS or DDMMYYSSSS');
});
