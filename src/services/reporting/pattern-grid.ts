import type { PatternGridInput } from '../../core/charts.ts';
import type { PatternInput } from '../../core/pattern.ts';
import type { Db } from '../../db/client.ts';
import { revisionLabels } from '../../db/queries/notifications.ts';
import { patternGrid } from '../reports.ts';

/**
 * Chart 4's data for one problem: pass / fail / error per pattern per model, each pattern labelled with
 * what it feeds the model, so a reader sees which patterns broke when.
 */
export async function patternGridOf(db: Db, problemKey: string): Promise<PatternGridInput> {
  const grid = await patternGrid({ db }, problemKey);
  const labels = await revisionLabels(
    db,
    grid.patterns.map((p) => p.revisionId),
  );
  return {
    models: grid.models.map((m) => m.ref),
    patterns: grid.patterns.map((p) => ({ id: p.id, label: inputText(labels.get(p.revisionId)?.input) })),
    cells: grid.cells,
  };
}

function inputText(input: PatternInput | undefined): string {
  if (input === undefined) return '';
  return typeof input === 'string' ? input : JSON.stringify(input);
}
