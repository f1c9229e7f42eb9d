import { describe, expect, it } from 'vitest';
import { getCountries, getExampleNumber, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { isKnownCountry, readNumber } from '../../src/core/phone.js';

const check = { check: true };

describe('readNumber: destinations as people write them', () => {
  it('keeps the country of a number written with + or 00, punctuation and trunk prefix dropped', () => {
    expect(readNumber('+1 (415) 555-0103', check)).toEqual({ ok: true, number: '14155550103', country: 'US' });
    expect(readNumber('+44 (0) 7911 123456', check)).toMatchObject({ ok: true, number: '447911123456' });
    expect(readNumber('0044 7911 123456', check)).toMatchObject({ ok: true, number: '447911123456' });
    // --country never changes a number with its own country code.
    expect(readNumber('+33 6 12 34 56 78', { check: true, country: 'US' })).toEqual({ ok: true, number: '33612345678', country: 'FR' });
  });

  it('reads a national number as a number of --country', () => {
    expect(readNumber('(415) 555-0103', { check: true, country: 'US' })).toEqual({ ok: true, number: '14155550103', country: 'US' });
    expect(readNumber('415 555 0103', { check: true, country: 'US' })).toEqual({ ok: true, number: '14155550103', country: 'US' });
    expect(readNumber('0612345678', { check: true, country: 'FR' })).toEqual({ ok: true, number: '33612345678', country: 'FR' });
    expect(readNumber('07911 123456', { check: true, country: 'GB' })).toMatchObject({ ok: true, number: '447911123456' });
  });

  it('reads digits first as Plivo does, with their own country code, even with --country', () => {
    expect(readNumber('14155550103', { check: true, country: 'GB' })).toEqual({ ok: true, number: '14155550103', country: 'US' });
  });

  it('refuses a number that is valid both ways, showing both readings', () => {
    // +20 3 256 5248 is an Egyptian number; (203) 256-5248 a US one.
    const r = readNumber('203 256 5248', { check: true, country: 'US' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problem).toContain('ambiguous');
    expect(r.problem).toContain('+2032565248, Egypt');
    expect(r.problem).toContain('+12032565248');
    expect(r.hint).toBe('Write it with + and the country code: +2032565248 or +12032565248.');
    // Without --country there is only Plivo's reading.
    expect(readNumber('2032565248', check)).toEqual({ ok: true, number: '2032565248', country: 'EG' });
  });

  it('refuses a number the metadata says is not valid, with a hint naming --country', () => {
    const r = readNumber('4155550103', check);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problem).toContain("'4155550103' is not a valid phone number");
    expect(r.problem).toContain('Switzerland');
    expect(r.hint).toContain('--country US');
    expect(r.hint).toContain('14155550103');
    expect(readNumber('+447700900123', check)).toMatchObject({ ok: false });
    expect(readNumber('07911 123456', check)).toMatchObject({ ok: false, problem: expect.stringContaining('trunk prefix') });
    expect(readNumber('not-a-number', check)).toMatchObject({ ok: false, problem: expect.stringContaining('is not a phone number') });
  });

  it('--no-number-check sends digits the metadata does not know, still reading national numbers', () => {
    expect(readNumber('+447700900123', { check: false })).toEqual({ ok: true, number: '447700900123', country: 'GB' });
    expect(readNumber('0612345678', { check: false, country: 'FR' })).toMatchObject({ ok: true, number: '33612345678' });
    expect(readNumber('0612345678', { check: false })).toMatchObject({ ok: false });
  });

  it('knows ISO country codes', () => {
    expect(isKnownCountry('US')).toBe(true);
    expect(isKnownCountry('XX')).toBe(false);
    expect(isKnownCountry('us')).toBe(false);
  });
});

describe('the fast path agrees with libphonenumber-js', () => {
  it('on example numbers of every country, their one-digit variations and random digits', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const samples: string[] = [];
    for (const c of getCountries()) {
      const example = getExampleNumber(c, examples);
      if (!example) continue;
      const digits = example.number.slice(1);
      samples.push(digits);
      for (let k = 0; k < 40; k++) {
        const i = Math.floor(rnd() * digits.length);
        samples.push(digits.slice(0, i) + String(Math.floor(rnd() * 10)) + digits.slice(i + 1));
      }
    }
    for (let k = 0; k < 5000; k++) {
      let s = String(1 + Math.floor(rnd() * 9));
      const length = 8 + Math.floor(rnd() * 8);
      while (s.length < length) s += String(Math.floor(rnd() * 10));
      samples.push(s);
    }
    const differences: string[] = [];
    for (const digits of samples) {
      const mine = readNumber(`+${digits}`, check);
      const lib = parsePhoneNumberFromString(`+${digits}`);
      const valid = lib?.isValid() === true;
      const same = mine.ok === valid && (!mine.ok || (mine.number === lib!.number.slice(1) && mine.country === lib!.country));
      if (!same) differences.push(`${digits}: ${JSON.stringify(mine)} vs ${valid ? lib.number : 'invalid'}`);
    }
    expect(samples.length).toBeGreaterThan(10_000);
    expect(differences).toEqual([]);
  });
});

describe('national numbers: the fast path agrees with libphonenumber-js', () => {
  it('for national numbers of several countries and their variations', () => {
    let seed = 11;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const differences: string[] = [];
    let checked = 0;
    for (const country of ['US', 'CA', 'GB', 'FR', 'DE', 'IN', 'AU', 'BR', 'MX', 'IT', 'ES', 'NL', 'RU', 'JP', 'ZA', 'NG'] as CountryCode[]) {
      const example = getExampleNumber(country, examples)!;
      const national = example.formatNational().replace(/\D/g, '');
      for (let k = 0; k < 300; k++) {
        const i = Math.floor(rnd() * national.length);
        const digits = k === 0 ? national : national.slice(0, i) + String(Math.floor(rnd() * 10)) + national.slice(i + 1);
        const lib = parsePhoneNumberFromString(digits, country);
        const libValid = lib?.isValid() === true;
        const mine = readNumber(`${digits}`, { check: true, country });
        checked++;
        // Where the digits are also a valid international number, readNumber may refuse them as ambiguous.
        if (!mine.ok && mine.problem.includes('ambiguous')) continue;
        const mineNumber = mine.ok ? mine.number : undefined;
        const international = parsePhoneNumberFromString(`+${digits}`);
        const expected = libValid ? lib.number.slice(1) : international?.isValid() && !digits.startsWith('0') ? international.number.slice(1) : undefined;
        if (mineNumber !== expected) differences.push(`${country} ${digits}: ${JSON.stringify(mine)} vs ${expected ?? 'invalid'}`);
      }
    }
    expect(checked).toBe(16 * 300);
    expect(differences).toEqual([]);
  });
});
