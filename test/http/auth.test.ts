import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { tokenMatches } from '../../src/http/auth.ts';

const digests = ['alpha-token', 'beta'].map((t) => createHash('sha256').update(t).digest());

describe('tokenMatches', () => {
  it.each([
    ['alpha-token', true],
    ['beta', true],
    ['alpha', false],
    ['alpha-token-and-more', false],
    ['', false],
    ['ALPHA-TOKEN', false],
  ])('%j → %s, whatever its length (digests are compared, never the raw strings)', (presented, expected) => {
    expect(tokenMatches(presented, digests)).toBe(expected);
  });

  it('matches nothing when no tokens are configured', () => {
    expect(tokenMatches('anything', [])).toBe(false);
  });
});
