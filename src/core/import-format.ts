import { parse as parseCsv } from 'csv-parse/sync';
import { parseExpectationShorthand } from './expectations/index.ts';
import { isPlainObject, tryParseJson } from './json.ts';
import type { FieldError, PatternDraft } from './pattern.ts';
import { validatePatternDraft } from './pattern.ts';

export type ImportFormat = 'jsonl' | 'csv';

export interface ImportResult {
  drafts: { line: number; draft: PatternDraft }[];
  errors: { line: number; message: string }[];
}

const CSV_COLUMNS = ['problem', 'input', 'expect', 'polarity', 'source', 'notes'] as const;
const REQUIRED_COLUMNS = ['problem', 'input', 'expect'];
const IMPORT_DEFAULTS = { source: 'import' } as const;

/**
 * Reads a whole import file and validates every row, so people fix all mistakes in one go rather than one per
 * upload. Line numbers are 1-based lines of the file (for CSV, the line a record starts on).
 */
export function parseImport(text: string, format: ImportFormat, maxBytes: number): ImportResult {
  if (text.trim() === '') return { drafts: [], errors: [] };
  return format === 'csv' ? parseCsvImport(text, maxBytes) : parseJsonlImport(text, maxBytes);
}

function parseJsonlImport(text: string, maxBytes: number): ImportResult {
  const result: ImportResult = { drafts: [], errors: [] };
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = index + 1;
    if (raw.trim() === '') continue;
    const parsed = tryParseJson(raw);
    if (!parsed.ok) {
      result.errors.push({ line, message: `Invalid JSON: ${parsed.error}` });
      continue;
    }
    addDraft(result, line, validatePatternDraft(parsed.value, maxBytes, IMPORT_DEFAULTS));
  }
  return result;
}

type CsvRow = {
  record: Record<string, string>;
  info: { lines: number; empty_lines: number; invalid_field_length: number; error?: { record?: unknown[] } };
};

function parseCsvImport(text: string, maxBytes: number): ImportResult {
  const result: ImportResult = { drafts: [], errors: [] };
  let rows: CsvRow[];
  let header: string[] = [];
  try {
    rows = parseCsv(text, {
      columns: (names: string[]) => {
        header = names.map((n) => n.trim().toLowerCase());
        return header;
      },
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      bom: true,
    }) as CsvRow[];
  } catch (err) {
    const line = (err as { lines?: number }).lines ?? 1;
    result.errors.push({ line, message: `Invalid CSV: ${err instanceof Error ? err.message : String(err)}` });
    return result;
  }
  const headerError = checkHeader(header);
  if (headerError) {
    result.errors.push({ line: 1, message: headerError });
    return result;
  }
  let previousEnd = 1;
  let previousEmpty = 0;
  let previousInvalid = 0;
  for (const { record, info } of rows) {
    const line = previousEnd + 1 + (info.empty_lines - previousEmpty);
    const ragged = info.invalid_field_length > previousInvalid;
    const fields = info.error?.record?.length ?? Object.keys(record).length;
    previousEnd = info.lines;
    previousEmpty = info.empty_lines;
    previousInvalid = info.invalid_field_length;
    // Short rows just leave optional trailing cells empty; extra cells would be silently lost, so they are an error.
    if (ragged && fields > header.length) {
      result.errors.push({
        line,
        message: `This row has ${fields} fields; the header has ${header.length}.`,
      });
      continue;
    }
    addDraft(result, line, csvRecordToDraft(record, maxBytes));
  }
  return result;
}

function checkHeader(header: string[]): string | null {
  const unknown = header.filter((h) => !(CSV_COLUMNS as readonly string[]).includes(h));
  if (unknown.length > 0)
    return `Unknown column(s) ${unknown.map((c) => `"${c}"`).join(', ')}; the columns are ${CSV_COLUMNS.join(', ')}.`;
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0)
    return `Missing column(s) ${missing.join(', ')}; the header must name ${REQUIRED_COLUMNS.join(', ')}.`;
  return null;
}

/** CSV cells are all text: empty optional cells mean "default", `expect` may be shorthand, `{…}` input is structured. */
function csvRecordToDraft(record: Record<string, string>, maxBytes: number) {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (value.trim() !== '') raw[key] = value;
  const input = raw['input'];
  if (typeof input === 'string' && input.trim().startsWith('{')) {
    const parsed = tryParseJson(input);
    if (parsed.ok && isPlainObject(parsed.value)) raw['input'] = parsed.value;
  }
  let expectError: FieldError | null = null;
  if (typeof raw['expect'] === 'string') {
    const expectation = parseExpectationShorthand(raw['expect']);
    if (expectation.ok) raw['expect'] = expectation.value;
    else {
      expectError = { field: 'expect', message: expectation.error };
      delete raw['expect'];
    }
  }
  const result = validatePatternDraft(raw, maxBytes, IMPORT_DEFAULTS);
  if (!expectError) return result;
  const others = result.ok ? [] : result.errors.filter((e) => e.field !== 'expect');
  return { ok: false as const, errors: [...others, expectError] };
}

function addDraft(result: ImportResult, line: number, draft: ReturnType<typeof validatePatternDraft>): void {
  if (draft.ok) result.drafts.push({ line, draft: draft.value });
  else for (const e of draft.errors) result.errors.push({ line, message: `${e.field}: ${e.message}` });
}

/** One JSON object per line in the import format, so an export can be edited and imported again. */
export function toJsonl(drafts: readonly PatternDraft[]): string {
  return drafts
    .map((d) => {
      const row: Record<string, unknown> = {
        problem: d.problem,
        input: d.input,
        expect: d.expectation,
        polarity: d.polarity,
        source: d.source,
        notes: d.notes,
      };
      if (d.sourceRef !== undefined) row['sourceRef'] = d.sourceRef;
      if (d.derivedFrom !== undefined)
        row['derivedFrom'] = { pattern: d.derivedFrom.patternId, perturbation: d.derivedFrom.perturbation };
      return JSON.stringify(row);
    })
    .map((line) => `${line}\n`)
    .join('');
}
