import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isProblemKey,
  normaliseProblemKey,
  parseProblemStatus,
  parseSeverity,
  parseThreshold,
  validateTitle,
} from '../../src/core/problem.ts';

describe('parseThreshold', () => {
  it.each([
    ['0.8', 0.8],
    ['.8', 0.8],
    ['80%', 0.8],
    ['80', 0.8],
    [' 80 % ', 0.8],
    ['1', 1],
    ['100', 1],
    ['100%', 1],
    ['0', 0],
    ['0.955', 0.955],
    ['95.5%', 0.955],
    ['1%', 0.01],
  ])('%j → %d', (text, value) => {
    expect(parseThreshold(text)).toEqual({ ok: true, value });
  });

  it.each([
    ['', /empty/],
    ['abc', /"abc" is not a threshold/],
    ['-0.5', /not a threshold/],
    ['101', /above 100%/],
    ['150%', /above 100%/],
    ['0.8.1', /not a threshold/],
    ['80 percent', /not a threshold/],
  ])('rejects %j', (text, message) => {
    const result = parseThreshold(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });

  it('never throws and stays in [0, 1]', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const result = parseThreshold(text);
        if (result.ok) expect(result.value >= 0 && result.value <= 1).toBe(true);
        else expect(result.error.length).toBeGreaterThan(0);
      }),
    );
  });
});

describe('validateTitle', () => {
  it.each([
    ['  Negation  is missed ', { ok: true, value: 'Negation is missed' }],
    ['x'.repeat(200), { ok: true, value: 'x'.repeat(200) }],
  ])('accepts %j', (title, result) => {
    expect(validateTitle(title)).toEqual(result);
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['x'.repeat(201), /201 characters long; keep it to 200/],
  ])('rejects %j', (title, message) => {
    const result = validateTitle(title);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });
});

describe('keys, severities, statuses', () => {
  it.each([
    ['P-3', true, 'P-3'],
    ['p-12', true, 'P-12'],
    [' P-1 ', true, 'P-1'],
    ['P3', false, null],
    ['P-', false, null],
    ['Q-3', false, null],
  ])('%j', (text, isKey, normalised) => {
    expect(isProblemKey(text)).toBe(isKey);
    expect(normaliseProblemKey(text)).toBe(normalised);
  });

  it.each([
    ['High', { ok: true, value: 'high' }],
    ['critical', { ok: true, value: 'critical' }],
  ])('severity %j', (text, result) => {
    expect(parseSeverity(text)).toEqual(result);
  });

  it('rejects an unknown severity listing the valid ones', () => {
    expect(parseSeverity('urgent')).toEqual({
      ok: false,
      error: '"urgent" is not a severity; use one of low, medium, high, critical.',
    });
  });

  it.each([
    ["won't fix", false],
    ['wont fix', true],
    ['Resolved', true],
  ])('status %j', (text, ok) => {
    expect(parseProblemStatus(text).ok).toBe(ok);
  });
});
