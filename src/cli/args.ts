import { type ParseArgsConfig, parseArgs } from 'node:util';
import { type ModelRef, parseModelRef } from '../core/model.ts';
import { usageError } from './failure.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs, strict, with its complaints turned into usage errors for this command. */
export function parse<O extends Options>(
  argv: string[],
  options: O,
  usage: string,
): {
  values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>['values'];
  positionals: string[];
} {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values, positionals };
  } catch (err) {
    return usageError(err instanceof Error ? err.message : String(err), usage);
  }
}

export function modelRefArg(value: string | undefined, flag: string, usage: string): ModelRef {
  if (value === undefined || value === '') return usageError(`${flag} is required (name@version).`, usage);
  const parsed = parseModelRef(value);
  if (!parsed.ok) return usageError(`${flag}: ${parsed.error}`, usage);
  return parsed.value;
}

export function noPositionals(positionals: string[], usage: string): void {
  if (positionals.length > 0) usageError(`Unexpected argument "${positionals[0]}".`, usage);
}

/** `auc=0.91` → ['auc', 0.91]. */
export function keyNumber(text: string, flag: string, usage: string): [string, number] {
  const eq = text.indexOf('=');
  const key = text.slice(0, eq).trim();
  const value = Number(text.slice(eq + 1));
  if (eq <= 0 || text.slice(eq + 1).trim() === '' || !Number.isFinite(value)) {
    return usageError(`${flag} "${text}" must look like name=number, e.g. auc=0.91.`, usage);
  }
  return [key, value];
}

/** `batchSize=8` → ['batchSize', 8]; values are read as JSON when they parse, else kept as text. */
export function keyValue(text: string, flag: string, usage: string): [string, unknown] {
  const eq = text.indexOf('=');
  if (eq <= 0) return usageError(`${flag} "${text}" must look like name=value.`, usage);
  const raw = text.slice(eq + 1);
  try {
    return [text.slice(0, eq).trim(), JSON.parse(raw)];
  } catch {
    return [text.slice(0, eq).trim(), raw];
  }
}
