import { checkNameAndVersion, type EndpointConfig, type ModelRef, parseModelRef } from './model.ts';
import { normaliseProblemKey, parseThreshold } from './problem.ts';

export type CommandResult<C> = { ok: true; command: C } | { ok: false; error: string; usage: string };

export type ProblemCommand =
  | { sub: 'new'; title: string | null }
  | { sub: 'list' }
  | { sub: 'triage' }
  | { sub: 'show'; key: string }
  | { sub: 'threshold'; key: string; threshold: number }
  | { sub: 'resolve'; key: string }
  | { sub: 'reopen'; key: string }
  | { sub: 'help' };

export type PatternCommand =
  | { sub: 'add'; key: string }
  | { sub: 'list'; key: string }
  | { sub: 'deactivate' | 'reactivate' | 'edit'; patternId: number }
  | { sub: 'help' };

export type ModelCommand =
  | { sub: 'register'; name: string; version: string; adapter: EndpointConfig['adapter']; url: string }
  | { sub: 'list' }
  | { sub: 'compare'; baseline: ModelRef; candidate: ModelRef }
  | { sub: 'promote'; model: ModelRef }
  | { sub: 'retire' | 'restore'; model: ModelRef }
  | { sub: 'help' };

export const ADAPTERS = [
  'kserve-v2',
  'tfserving',
  'mlflow',
  'openai',
  'openai-embeddings',
  'http',
] as const satisfies readonly EndpointConfig['adapter'][];

export const PROBLEM_USAGE = [
  '`/problem new [title]` opens a new problem (no title: a form)',
  '`/problem list` lists open problems',
  '`/problem triage` lists the 👎 observations nobody has triaged yet',
  '`/problem show P-3` shows a problem and its pass rates',
  '`/problem threshold P-3 80%` sets the gate threshold (0–1 or a percent)',
  '`/problem resolve P-3` · `/problem reopen P-3`',
  '`/problem help`',
].join('\n');

export const PATTERN_USAGE = [
  '`/pattern add P-3` adds a pattern to a problem (opens a form)',
  '`/pattern list P-3` lists a problem’s patterns',
  '`/pattern edit 12` edits pattern #12 (a new revision, back-filled on every model; admins)',
  '`/pattern deactivate 12` · `/pattern reactivate 12` stops or resumes running and counting it (admins)',
  '`/pattern help`',
].join('\n');

export const MODEL_USAGE = [
  `\`/model register <name> <version> <adapter> <url>\` registers a candidate (adapters: ${ADAPTERS.join(', ')})`,
  '`/model list` lists models',
  '`/model compare <name>@<v1> <name>@<v2>` compares two versions on every problem',
  '`/model promote <name>@<version>` makes a version the production model',
  '`/model retire <name>@<version>` · `/model restore <name>@<version>` takes a model out of (or back into) evaluation and reports (admins)',
  '`/model help`',
].join('\n');

function words(text: string): { sub: string; args: string[]; rest: string } {
  const trimmed = text.trim();
  const match = /^(\S*)\s*([\s\S]*)$/.exec(trimmed);
  const sub = (match?.[1] ?? '').toLowerCase();
  const rest = (match?.[2] ?? '').trim();
  return { sub, args: rest === '' ? [] : rest.split(/\s+/), rest };
}

function failure<C>(error: string, usage: string): CommandResult<C> {
  return { ok: false, error, usage };
}

/** Expects exactly one problem key; Slack users write p-3 as often as P-3. */
function problemKeyArg<C>(args: string[], sub: string, usage: string): { key: string } | CommandResult<C> {
  const [first] = args;
  if (first === undefined) return failure(`\`${sub}\` needs a problem key, e.g. \`${sub} P-3\`.`, usage);
  const key = normaliseProblemKey(first);
  if (key === null) return failure(`"${first}" is not a problem key; keys look like P-3.`, usage);
  return { key };
}

export function parseProblemCommand(text: string): CommandResult<ProblemCommand> {
  const { sub, args, rest } = words(text);
  const usage = PROBLEM_USAGE;
  switch (sub) {
    case '':
    case 'help':
      return { ok: true, command: { sub: 'help' } };
    case 'new':
      return { ok: true, command: { sub: 'new', title: rest === '' ? null : rest } };
    case 'list':
      return { ok: true, command: { sub: 'list' } };
    case 'triage':
      return { ok: true, command: { sub: 'triage' } };
    case 'show':
    case 'resolve':
    case 'reopen': {
      const key = problemKeyArg<ProblemCommand>(args, sub, usage);
      return 'key' in key ? { ok: true, command: { sub, key: key.key } } : key;
    }
    case 'threshold': {
      const key = problemKeyArg<ProblemCommand>(args, sub, usage);
      if (!('key' in key)) return key;
      if (args[1] === undefined)
        return failure('`threshold` needs a value, e.g. `threshold P-3 80%`.', usage);
      const threshold = parseThreshold(args.slice(1).join(''));
      if (!threshold.ok) return failure(threshold.error, usage);
      return { ok: true, command: { sub: 'threshold', key: key.key, threshold: threshold.value } };
    }
    default:
      return failure(`Unknown subcommand "${sub}".`, usage);
  }
}

export function parsePatternCommand(text: string): CommandResult<PatternCommand> {
  const { sub, args } = words(text);
  const usage = PATTERN_USAGE;
  switch (sub) {
    case '':
    case 'help':
      return { ok: true, command: { sub: 'help' } };
    case 'add':
    case 'list': {
      const key = problemKeyArg<PatternCommand>(args, sub, usage);
      return 'key' in key ? { ok: true, command: { sub, key: key.key } } : key;
    }
    case 'deactivate':
    case 'reactivate':
    case 'edit': {
      const [first] = args;
      if (first === undefined || args.length > 1)
        return failure(`\`${sub}\` takes one pattern number, e.g. \`${sub} 12\`.`, usage);
      const id = /^#?(\d{1,9})$/.exec(first);
      if (!id || Number(id[1]) === 0)
        return failure(`"${first}" is not a pattern number; patterns are numbered like #12.`, usage);
      return { ok: true, command: { sub, patternId: Number(id[1]) } };
    }
    default:
      return failure(`Unknown subcommand "${sub}".`, usage);
  }
}

/** Slack may wrap links as <https://x> or <https://x|label>. */
function unwrapSlackLink(text: string): string {
  const match = /^<([^|>]+)(?:\|[^>]*)?>$/.exec(text);
  return match ? (match[1] as string) : text;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export function parseModelCommand(text: string): CommandResult<ModelCommand> {
  const { sub, args } = words(text);
  const usage = MODEL_USAGE;
  switch (sub) {
    case '':
    case 'help':
      return { ok: true, command: { sub: 'help' } };
    case 'list':
      return { ok: true, command: { sub: 'list' } };
    case 'register': {
      if (args.length !== 4) {
        return failure(
          `\`register\` takes 4 arguments (name, version, adapter, url), got ${args.length}.`,
          usage,
        );
      }
      const [name, version, adapterText, urlText] = args as [string, string, string, string];
      const bad = checkNameAndVersion(name, version);
      if (bad) return failure(bad, usage);
      const adapter = ADAPTERS.find((a) => a === adapterText.toLowerCase());
      if (!adapter)
        return failure(`Unknown adapter "${adapterText}"; use one of ${ADAPTERS.join(', ')}.`, usage);
      const url = unwrapSlackLink(urlText);
      if (!isHttpUrl(url)) return failure(`"${url}" is not an http(s) URL.`, usage);
      return { ok: true, command: { sub: 'register', name, version, adapter, url } };
    }
    case 'compare': {
      if (args.length !== 2)
        return failure(`\`compare\` takes two models, e.g. \`compare sentiment@v2 sentiment@v3\`.`, usage);
      const baseline = parseModelRef(args[0] as string);
      if (!baseline.ok) return failure(baseline.error, usage);
      const candidate = parseModelRef(args[1] as string);
      if (!candidate.ok) return failure(candidate.error, usage);
      return { ok: true, command: { sub: 'compare', baseline: baseline.value, candidate: candidate.value } };
    }
    case 'promote':
    case 'retire':
    case 'restore': {
      if (args.length !== 1)
        return failure(`\`${sub}\` takes one model, e.g. \`${sub} sentiment@v3\`.`, usage);
      const model = parseModelRef(args[0] as string);
      if (!model.ok) return failure(model.error, usage);
      return { ok: true, command: { sub, model: model.value } };
    }
    default:
      return failure(`Unknown subcommand "${sub}".`, usage);
  }
}
