import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { isPlainObject, tryParseJson } from '../json.ts';
import type { ExpectationHandler } from './handler.ts';
import { describeType, fail, NO_LABEL, ok, predictedText } from './handler.ts';
import { compileLinearRegex, type LinearRegex } from './linear-regex.ts';

/**
 * JSON Schema 2020-12 through Ajv. Not strict: schemas written for other validators often carry keywords
 * (`format`, `example`) Ajv does not know, and refusing them would refuse ordinary schemas. Formats are not
 * asserted (2020-12 makes them annotations by default).
 */
const ajv = new Ajv2020({
  strict: false,
  allErrors: false,
  validateFormats: false,
  code: { regExp: linearRegExp },
});

/**
 * Ajv's `pattern` and `patternProperties` run on the same linear-time engine as regex expectations, so a
 * schema cannot smuggle in a backtracking regex. `code` names the engine only for standalone code, unused here.
 */
function linearRegExp(source: string, flags: string): LinearRegex & { toString(): string } {
  const compiled = compileLinearRegex(source, flags);
  if (!compiled.ok) throw new Error(compiled.error);
  const { test } = compiled.value;
  // Ajv keys its compiled patterns by toString(): without a distinct one every pattern would share the first.
  return { test, toString: () => `/${source}/${flags}` };
}
linearRegExp.code = 'linearRegExp';

/** Compiled validators by schema text: the same pattern runs on every model, so each schema compiles once. */
const compiled = new Map<string, ValidateFunction>();
const COMPILED_MAX = 500;

function compile(schema: unknown): ValidateFunction | string {
  const key = JSON.stringify(schema);
  const hit = compiled.get(key);
  if (hit) return hit;
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema as object);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  if (compiled.size >= COMPILED_MAX) compiled.clear();
  compiled.set(key, validate);
  return validate;
}

/** A `pattern` must be one the linear-time engine can run: refused at entry with the engine's sentence. */
function unsafePattern(schema: unknown, at = ''): string | undefined {
  if (Array.isArray(schema)) {
    for (const [i, item] of schema.entries()) {
      const found = unsafePattern(item, `${at}/${i}`);
      if (found) return found;
    }
    return undefined;
  }
  if (!isPlainObject(schema)) return undefined;
  for (const [key, value] of Object.entries(schema)) {
    const sources =
      key === 'pattern' && typeof value === 'string'
        ? [value]
        : key === 'patternProperties' && isPlainObject(value)
          ? Object.keys(value)
          : [];
    for (const source of sources) {
      const linear = compileLinearRegex(source, 'u');
      if (!linear.ok) return `${at}/${key}: ${linear.error}`;
    }
    const found = unsafePattern(value, `${at}/${key}`);
    if (found) return found;
  }
  return undefined;
}

function showError(error: ErrorObject | undefined): string {
  if (!error) return 'it does not match the schema';
  return `${error.instancePath || '(the whole value)'} ${error.message ?? 'is not valid'}`;
}

const MAX_SHOWN = 120;

export const jsonSchemaHandler: ExpectationHandler<'json_schema'> = {
  extraKeys: [],
  parse(body) {
    const schema = body['json_schema'];
    if (!isPlainObject(schema) && typeof schema !== 'boolean')
      return fail(
        `"json_schema" must be a JSON Schema (an object like {"type": "object", "required": ["reply"]}), got ${describeType(schema)}.`,
      );
    const unsafe = unsafePattern(schema);
    if (unsafe) return fail(`"json_schema" has a pattern that can take minutes to run (${unsafe}).`);
    const validate = compile(schema);
    if (typeof validate === 'string')
      return fail(`"json_schema" is not a valid JSON Schema 2020-12: ${validate}.`);
    return ok({ json_schema: schema });
  },
  check({ json_schema }, prediction) {
    const text = predictedText(prediction);
    if (text === undefined) return { pass: false, reason: `expected JSON output, but ${NO_LABEL}` };
    const parsed = tryParseJson(text);
    if (!parsed.ok)
      return {
        pass: false,
        reason: `output is not JSON (${parsed.error}): ${JSON.stringify(text.slice(0, MAX_SHOWN))}`,
      };
    const validate = compile(json_schema);
    // A stored schema that no longer compiles says nothing about the model.
    if (typeof validate === 'string')
      return { pass: false, errored: true, reason: `the schema does not compile: ${validate}` };
    const pass = validate(parsed.value);
    return {
      pass,
      reason: pass
        ? 'output is JSON that matches the schema'
        : `output JSON: ${showError(validate.errors?.[0])}`,
    };
  },
  describe: () => 'JSON matching a schema',
};
