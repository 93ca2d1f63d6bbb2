import { parseModelRef } from '../../core/model.ts';
import { OBSERVATION_STATUSES, type ObservationStatus } from '../../core/observation.ts';
import { truncate } from '../../core/text.ts';
import type { Observation } from '../../services/observations.ts';
import { noPositionals, parse } from '../args.ts';
import type { CliContext } from '../context.ts';
import { usageError } from '../failure.ts';
import { renderTable } from '../output/table.ts';

export const OBSERVATIONS_USAGE = `Usage: canary observations [--rating up|down|none] [--untriaged | --status S] [--model N@V]
                           [--limit N] [--json]

Production observations, newest first. With --rating down --untriaged: the triage queue, identical inputs
grouped with how many users complained (the same list as App Home and /problem triage).`;

export async function observationsCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      rating: { type: 'string' },
      untriaged: { type: 'boolean' },
      status: { type: 'string' },
      model: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
    },
    OBSERVATIONS_USAGE,
  );
  noPositionals(positionals, OBSERVATIONS_USAGE);
  const rating = values.rating;
  if (rating !== undefined && !['up', 'down', 'none'].includes(rating))
    usageError(`--rating must be up, down or none, got "${rating}".`, OBSERVATIONS_USAGE);
  if (values.untriaged && values.status)
    usageError('Use --untriaged or --status, not both.', OBSERVATIONS_USAGE);
  const status = values.untriaged ? 'untriaged' : values.status;
  if (status !== undefined && !OBSERVATION_STATUSES.includes(status as ObservationStatus))
    usageError(
      `--status must be one of ${OBSERVATION_STATUSES.join(', ')}, got "${status}".`,
      OBSERVATIONS_USAGE,
    );
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    usageError(`--limit must be a whole number from 1 to 500, got "${values.limit}".`, OBSERVATIONS_USAGE);
  let model: { name: string; version: string } | undefined;
  if (values.model) {
    const parsed = parseModelRef(values.model);
    if (!parsed.ok) usageError(`--model: ${parsed.error}`, OBSERVATIONS_USAGE);
    else model = parsed.value;
  }

  const client = await ctx.openClient();
  try {
    if (rating === 'down' && status === 'untriaged' && !model) {
      const groups = await client.triage({ limit });
      if (values.json) ctx.stdout.write(`${JSON.stringify({ groups })}\n`);
      else
        ctx.stdout.write(
          groups.length === 0
            ? 'Nothing to triage: no untriaged 👎 observations.\n'
            : renderTable(
                ['Id', 'Count', 'Newest', 'Model(s)', 'Input', 'Output'],
                groups.map((g) => [
                  String(g.observation.id),
                  String(g.count),
                  g.observation.at.slice(0, 16).replace('T', ' '),
                  g.models.join(', ') || 'unattributed',
                  cell(g.observation.input),
                  cell(g.observation.output),
                ]),
              ),
        );
      return 0;
    }
    const page = await client.observations({
      ...(model ? { model } : {}),
      ...(rating ? { rating: rating as 'up' | 'down' | 'none' } : {}),
      ...(status ? { status: status as ObservationStatus } : {}),
      limit,
    });
    if (values.json) ctx.stdout.write(`${JSON.stringify(page)}\n`);
    else ctx.stdout.write(render(page.observations));
    return 0;
  } finally {
    await client.close();
  }
}

function render(rows: Observation[]): string {
  if (rows.length === 0) return 'No observations match.\n';
  return renderTable(
    ['Id', 'At', 'Model', '👍', '👎', 'Status', 'Input', 'Output'],
    rows.map((o) => [
      String(o.id),
      o.at.slice(0, 16).replace('T', ' '),
      o.model ?? 'unattributed',
      String(o.ratings.up),
      String(o.ratings.down),
      o.status,
      cell(o.input),
      cell(o.output),
    ]),
  );
}

/** One line, clipped: a table cell must not break the table. */
function cell(value: unknown): string {
  const text = typeof value === 'string' ? value : value === null ? '–' : JSON.stringify(value);
  return truncate(text.replace(/\s+/g, ' '), 50);
}
