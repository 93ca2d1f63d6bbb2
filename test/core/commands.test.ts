import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MODEL_USAGE,
  PATTERN_USAGE,
  PROBLEM_USAGE,
  parseModelCommand,
  parsePatternCommand,
  parseProblemCommand,
} from '../../src/core/commands.ts';
import { parseModelRef } from '../../src/core/model.ts';

describe('parseProblemCommand', () => {
  it.each<[string, unknown]>([
    ['', { sub: 'help' }],
    ['help', { sub: 'help' }],
    ['new', { sub: 'new', title: null }],
    ['  NEW   Sarcasm is read literally ', { sub: 'new', title: 'Sarcasm is read literally' }],
    ['list', { sub: 'list' }],
    ['show p-3', { sub: 'show', key: 'P-3' }],
    ['resolve P-12', { sub: 'resolve', key: 'P-12' }],
    ['reopen P-1', { sub: 'reopen', key: 'P-1' }],
    ['threshold P-3 80%', { sub: 'threshold', key: 'P-3', threshold: 0.8 }],
    ['threshold P-3 0.75', { sub: 'threshold', key: 'P-3', threshold: 0.75 }],
    ['threshold P-3 90 %', { sub: 'threshold', key: 'P-3', threshold: 0.9 }],
  ])('%j', (text, command) => {
    expect(parseProblemCommand(text)).toEqual({ ok: true, command });
  });

  it.each<[string, RegExp]>([
    ['frobnicate', /Unknown subcommand "frobnicate"/],
    ['show', /needs a problem key/],
    ['show 3', /"3" is not a problem key/],
    ['threshold P-3', /needs a value/],
    ['threshold P-3 lots', /not a threshold/],
    ['threshold P-3 120%', /above 100%/],
  ])('rejects %j', (text, message) => {
    const result = parseProblemCommand(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatch(message);
      expect(result.usage).toBe(PROBLEM_USAGE);
    }
  });
});

describe('parsePatternCommand', () => {
  it.each<[string, unknown]>([
    ['add P-3', { sub: 'add', key: 'P-3' }],
    ['list p-4', { sub: 'list', key: 'P-4' }],
    ['', { sub: 'help' }],
  ])('%j', (text, command) => {
    expect(parsePatternCommand(text)).toEqual({ ok: true, command });
  });

  it.each<[string, RegExp]>([
    ['add', /needs a problem key/],
    ['remove P-3', /Unknown subcommand "remove"/],
  ])('rejects %j', (text, message) => {
    const result = parsePatternCommand(text);
    expect(result).toMatchObject({ ok: false, usage: PATTERN_USAGE });
    if (!result.ok) expect(result.error).toMatch(message);
  });
});

describe('parseModelCommand', () => {
  it.each<[string, unknown]>([
    ['list', { sub: 'list' }],
    [
      'register sentiment v3 kserve-v2 http://models.local:8080/v2/models/sentiment',
      {
        sub: 'register',
        name: 'sentiment',
        version: 'v3',
        adapter: 'kserve-v2',
        url: 'http://models.local:8080/v2/models/sentiment',
      },
    ],
    [
      'register sent v1.2 OpenAI <https://api.example.com/v1|api.example.com>',
      {
        sub: 'register',
        name: 'sent',
        version: 'v1.2',
        adapter: 'openai',
        url: 'https://api.example.com/v1',
      },
    ],
    [
      'compare sentiment@v2 sentiment@v3',
      {
        sub: 'compare',
        baseline: { name: 'sentiment', version: 'v2' },
        candidate: { name: 'sentiment', version: 'v3' },
      },
    ],
    ['promote org/sentiment@2024.1', { sub: 'promote', model: { name: 'org/sentiment', version: '2024.1' } }],
  ])('%j', (text, command) => {
    expect(parseModelCommand(text)).toEqual({ ok: true, command });
  });

  it.each<[string, RegExp]>([
    ['deploy x@1', /Unknown subcommand "deploy"/],
    ['register a v1 http', /takes 4 arguments/],
    ['register a v1 grpc http://x', /Unknown adapter "grpc"; use one of kserve-v2/],
    ['register a v1 http ftp://x', /not an http\(s\) URL/],
    ['register a@b v1 http http://x', /not a valid model name/],
    ['compare a@1', /takes two models/],
    ['compare a@1 b', /"b" is not a model reference/],
    ['promote', /takes one model/],
    ['promote a@', /not a model reference/],
  ])('rejects %j', (text, message) => {
    const result = parseModelCommand(text);
    expect(result).toMatchObject({ ok: false, usage: MODEL_USAGE });
    if (!result.ok) expect(result.error).toMatch(message);
  });
});

describe('parseModelRef', () => {
  it.each<[string, unknown]>([
    ['sentiment@v3', { ok: true, value: { name: 'sentiment', version: 'v3' } }],
    [' a.b-c@1.0+build ', { ok: true, value: { name: 'a.b-c', version: '1.0+build' } }],
    ['@v3', { ok: false, error: expect.stringMatching(/not a model reference/) }],
    ['name', { ok: false, error: expect.stringMatching(/not a model reference/) }],
    ['na me@v1', { ok: false, error: expect.stringMatching(/not a valid model name/) }],
    ['a@b@c', { ok: false, error: expect.stringMatching(/not a valid model name/) }],
  ])('%j', (text, result) => {
    expect(parseModelRef(text)).toEqual(result);
  });
});

describe('command parsers never throw', () => {
  it.each([
    ['problem', parseProblemCommand],
    ['pattern', parsePatternCommand],
    ['model', parseModelCommand],
  ] as const)('/%s', (_name, parse) => {
    const subs = fc.constantFrom(
      '',
      'new ',
      'show ',
      'threshold ',
      'add ',
      'list ',
      'register ',
      'compare ',
      'promote ',
    );
    fc.assert(
      fc.property(subs, fc.string({ unit: 'grapheme' }), (sub, text) => {
        const result = parse(sub + text);
        if (!result.ok) {
          expect(result.error.length).toBeGreaterThan(0);
          expect(result.usage.length).toBeGreaterThan(0);
        }
      }),
    );
  });
});
