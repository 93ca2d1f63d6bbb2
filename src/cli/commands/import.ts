import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { CanaryError } from '../../core/errors.ts';
import { type ImportFormat, parseImport } from '../../core/import-format.ts';
import { parse } from '../args.ts';
import type { CliContext } from '../context.ts';
import { CliFailure, EXIT, usageError } from '../failure.ts';

const IMPORT_USAGE = `Usage: canary import <file.jsonl|file.csv> [--create-problems] [--format jsonl|csv] [--json]

Every row is checked before anything is written: one bad row and nothing is imported.
Rows already present (same problem, input and expectation) are counted as existing, never duplicated;
a row that repeats an earlier row of the file is counted as a repeat. Each such row is printed with its line.
  --create-problems   create problems named by title that do not exist yet`;

export async function importCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { 'create-problems': { type: 'boolean' }, format: { type: 'string' }, json: { type: 'boolean' } },
    IMPORT_USAGE,
  );
  if (positionals.length !== 1) usageError('Give exactly one file to import.', IMPORT_USAGE);
  const file = positionals[0] as string;
  const format = formatOf(file, values.format);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliFailure(`Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}.`);
  }
  const parsed = parseImport(text, format, ctx.config.endpoints.maxInputBytes);
  if (parsed.errors.length > 0) {
    for (const e of parsed.errors) ctx.stderr.write(`${file}:${e.line}: ${e.message}\n`);
    const rows = new Set(parsed.errors.map((e) => e.line)).size;
    ctx.stderr.write(`${file}: ${rows} bad row${rows === 1 ? '' : 's'}; nothing was imported.\n`);
    return EXIT.usage;
  }
  if (parsed.drafts.length === 0) {
    ctx.stderr.write(`${file}: no patterns in the file; nothing to import.\n`);
    return EXIT.usage;
  }

  const client = await ctx.openClient();
  try {
    const outcome = await client.importPatterns(
      parsed.drafts.map((d) => d.draft),
      { createProblems: values['create-problems'] === true },
    );
    const lineOf = (index: number) => parsed.drafts[index]?.line ?? index + 1;
    // Each item names its row in the file, so every row sent is accounted for.
    const items = outcome.items.map((item, index) =>
      item.status === 'repeat'
        ? { line: lineOf(index), ...item, ofLine: lineOf(item.of) }
        : { line: lineOf(index), ...item },
    );
    if (values.json) ctx.stdout.write(`${JSON.stringify({ ...outcome, items })}\n`);
    else {
      for (const item of items) {
        if (item.status === 'existing')
          ctx.stdout.write(`${file}:${item.line}: already there as pattern #${item.id}\n`);
        if (item.status === 'repeat')
          ctx.stdout.write(
            `${file}:${item.line}: repeats line ${item.ofLine}${item.id === null ? '' : ` (pattern #${item.id})`}\n`,
          );
      }
      const made = outcome.problemsCreated.length;
      ctx.stdout.write(
        `${file}: ${outcome.sent} sent: ${outcome.created} created, ${outcome.existing} already existed, ` +
          `${outcome.repeats} repeat${outcome.repeats === 1 ? '' : 's'} of earlier rows` +
          `${made > 0 ? `; ${made} problem${made === 1 ? '' : 's'} created (${outcome.problemsCreated.join(', ')})` : ''}.\n`,
      );
    }
    return 0;
  } catch (err) {
    // The service names the problems it could not find; point at the rows that use them.
    if (err instanceof CanaryError && err.code === 'ambiguous_problem') {
      const lines = parsed.drafts.filter((d) => err.message.includes(`"${d.draft.problem}"`));
      for (const d of lines) {
        ctx.stderr.write(
          `${file}:${d.line}: problem: "${d.draft.problem}" is the title of more than one problem; use its key.\n`,
        );
      }
      throw new CliFailure(`${file}: nothing was imported (${client.mode} mode): ${err.message}`);
    }
    if (err instanceof CanaryError && err.code === 'problem_not_found') {
      const lines = parsed.drafts.filter((d) => err.message.includes(`"${d.draft.problem}"`));
      for (const d of lines) ctx.stderr.write(`${file}:${d.line}: problem: ${err.message}\n`);
      throw new CliFailure(
        `${file}: nothing was imported (${client.mode} mode): ${err.message}${
          values['create-problems'] ? '' : ' Pass --create-problems to create problems named by title.'
        }`,
      );
    }
    throw err;
  } finally {
    await client.close();
  }
}

function formatOf(file: string, given: string | undefined): ImportFormat {
  const chosen = given ?? extname(file).slice(1).toLowerCase();
  if (chosen === 'csv') return 'csv';
  if (chosen === 'jsonl' || chosen === 'ndjson' || chosen === 'json') return 'jsonl';
  return usageError(
    `Cannot tell the format of "${file}"; name it .jsonl or .csv, or pass --format.`,
    IMPORT_USAGE,
  );
}
