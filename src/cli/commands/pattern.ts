import { parseExpectationShorthand } from '../../core/expectations/index.ts';
import { tryParseJson } from '../../core/json.ts';
import { parse } from '../args.ts';
import type { PatternEditRequest } from '../client.ts';
import type { CliContext } from '../context.ts';
import { usageError } from '../failure.ts';

export const PATTERN_USAGE = `Usage: canary pattern deactivate ID [--json]
       canary pattern reactivate ID [--json]
       canary pattern edit ID [--input TEXT|--input-json JSON] [--expect SHORTHAND|JSON] [--notes TEXT] [--polarity positive|negative] [--json]

deactivate: the pattern stops running on new models and stops counting in pass rates, gates and reports.
reactivate: it counts again and is back-filled on every model.
edit: a new input or expectation makes a new revision (earlier results stay; current numbers use it) and is
back-filled on every model; notes and polarity change in place.`;

export async function patternCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const [sub, idText, ...rest] = argv;
  if (sub !== 'deactivate' && sub !== 'reactivate' && sub !== 'edit') {
    return usageError(sub ? `Unknown pattern subcommand "${sub}".` : 'Missing subcommand.', PATTERN_USAGE);
  }
  if (idText === undefined || !/^#?\d{1,9}$/.test(idText) || Number(idText.replace('#', '')) === 0) {
    return usageError(
      `\`pattern ${sub}\` needs a pattern number, e.g. 12; got "${idText ?? ''}".`,
      PATTERN_USAGE,
    );
  }
  const id = Number(idText.replace('#', ''));
  const { values, positionals } = parse(
    rest,
    {
      json: { type: 'boolean' },
      ...(sub === 'edit'
        ? {
            input: { type: 'string' },
            'input-json': { type: 'string' },
            expect: { type: 'string' },
            notes: { type: 'string' },
            polarity: { type: 'string' },
          }
        : {}),
    },
    PATTERN_USAGE,
  );
  if (positionals.length > 0) usageError(`Unexpected argument "${positionals[0]}".`, PATTERN_USAGE);
  const edit = sub === 'edit' ? editRequest(values as Record<string, string | undefined>) : null;

  const client = await ctx.openClient();
  try {
    const { pattern } = edit
      ? await client.editPattern(id, edit)
      : await client.setPatternActive(id, sub === 'reactivate');
    if (values.json) ctx.stdout.write(`${JSON.stringify({ pattern })}\n`);
    else if (edit) ctx.stdout.write(`Pattern #${pattern.id} is at revision ${pattern.revision}.\n`);
    else ctx.stdout.write(`Pattern #${pattern.id} is ${pattern.active ? 'active' : 'inactive'}.\n`);
    return 0;
  } finally {
    await client.close();
  }
}

function editRequest(values: Record<string, string | undefined>): PatternEditRequest {
  if (values.input !== undefined && values['input-json'] !== undefined)
    usageError('Give --input or --input-json, not both.', PATTERN_USAGE);
  const edit: PatternEditRequest = {};
  if (values.input !== undefined) edit.input = values.input;
  if (values['input-json'] !== undefined) {
    const parsed = tryParseJson(values['input-json']);
    if (!parsed.ok) usageError(`--input-json is not valid JSON: ${parsed.error}`, PATTERN_USAGE);
    edit.input = parsed.value;
  }
  // The expectation is read as the service reads it: JSON or the shorthand (negative, not:x, regex:/re/).
  if (values.expect !== undefined) {
    const expectation = parseExpectationShorthand(values.expect);
    if (!expectation.ok) usageError(`--expect: ${expectation.error}`, PATTERN_USAGE);
    edit.expect = expectation.value;
  }
  if (values.notes !== undefined) edit.notes = values.notes;
  if (values.polarity !== undefined) edit.polarity = values.polarity;
  if (Object.keys(edit).length === 0)
    usageError('Say what to change: --input, --input-json, --expect, --notes or --polarity.', PATTERN_USAGE);
  return edit;
}
