import { createHash } from 'node:crypto';
import type { Expectation } from '../core/expectations/handler.ts';
import { parseExpectation } from '../core/expectations/index.ts';
import { formatModelRef } from '../core/model.ts';
import type { OutcomeStatus } from '../core/outcome.ts';
import { foldRuns } from '../core/outcome.ts';
import type { Pattern, PatternInput, Polarity } from '../core/pattern.ts';
import {
  canonicalJson,
  type PatternDraft,
  parsePatternInput,
  parsePolarity,
  validatePatternDraft,
} from '../core/pattern.ts';
import type { Problem } from '../core/problem.ts';
import { isProblemKey, validateTitle } from '../core/problem.ts';
import type { Db } from '../db/client.ts';
import { insertControlEvent } from '../db/queries/controls.ts';
import { getModelsByIds } from '../db/queries/models.ts';
import { deletePatternAdd, insertPatternAdd, setPatternAddSize } from '../db/queries/pattern-adds.ts';
import {
  appendRevision,
  getPatternById,
  getPatternsByIds,
  insertPatternsWithRevisions,
  listPatternsOfProblem,
  lockPattern,
  lockPatternWrites,
  type NewPattern,
  runsOfRevisions,
  updatePatternRow,
} from '../db/queries/patterns.ts';
import { findProblemsByKeyOrTitle, insertProblems } from '../db/queries/problems.ts';
import { groupBy } from '../db/queries/reports.ts';
import type { ServiceDeps } from './deps.ts';
import { CanaryError, fail, invalid, rejectNul, valueOrThrow } from './errors.ts';
import { checkGraderRefs } from './grader-refs.ts';
import { refuseAmbiguousTitles, withOpenTitleGuard } from './problem-names.ts';
import { getProblem } from './problems.ts';

export { patternRevisionsForEvaluation } from '../db/queries/patterns.ts';

/** A draft as validated by the core, plus where in Slack it was flagged (the second natural key). */
export interface NewPatternDraft extends PatternDraft {
  sourceChannel?: string | null;
  sourceTs?: string | null;
}

export interface AddPatternsOptions {
  creatorId?: string | null;
  /** Create problems named by title that do not exist yet (imports). Unknown keys are always an error. */
  createProblems?: boolean;
  /**
   * Commit only; the caller queues the back-fill later with `scheduleBackfills` (a Slack listener that must ack
   * within 3 s), pattern by pattern, and answers each in the thread it came from. Without it the call is a bulk
   * add: one back-fill evaluation per model for all its patterns, one message per problem thread.
   * A back-fill lost in between is picked up by the model's next evaluation (only missing results run).
   */
  deferBackfill?: boolean;
}

/** What became of one item of the request, in the order sent. */
export type AddedItem =
  | { status: 'created' | 'existing'; id: number }
  /** The same pattern as an earlier item of this request (`of`: that item's index); id is the pattern both name. */
  | { status: 'repeat'; id: number | null; of: number };

export interface AddPatternsResult {
  /** One per draft sent, in order: created + existing + repeats = drafts sent. */
  items: AddedItem[];
  repeats: number;
  /** The bulk add this call made (null with deferBackfill or when nothing was created). */
  addId: number | null;
  created: Pattern[];
  /** Already there (same problem and input+expectation, or same Slack message): returned, never duplicated. */
  existing: Pattern[];
  problemsCreated: Problem[];
  /** Revision ids whose back-fill could not be queued; the patterns are saved and a re-run picks them up. */
  unscheduled: number[];
}

/** sha256 of the canonical {input, expectation}: equal patterns give equal fingerprints, whatever the key order. */
export function patternFingerprint(input: PatternInput, expectation: Expectation): string {
  return createHash('sha256').update(canonicalJson({ input, expectation })).digest('hex');
}

/**
 * Adds patterns all-or-nothing: every draft is checked and every problem resolved before anything is written,
 * and the writes share one transaction. Back-fills are queued only after commit, so a worker never looks for
 * a revision that is not there yet.
 */
export async function addPatterns(
  deps: ServiceDeps,
  drafts: readonly NewPatternDraft[],
  opts: AddPatternsOptions = {},
): Promise<AddPatternsResult> {
  for (const [i, draft] of drafts.entries())
    rejectNul(draft, drafts.length > 1 ? `patterns[${i}]` : 'pattern');
  const checked: NewPatternDraft[] = [];
  for (const [i, draft] of drafts.entries()) {
    checked.push(checkDraft(deps, draft, i, drafts.length));
    // A 50,000-item import is checked in slices, so /healthz and Slack acks are answered meanwhile.
    if (i % 2_000 === 1_999) await yieldToEventLoop();
  }
  if (checked.length === 0)
    return {
      items: [],
      repeats: 0,
      addId: null,
      created: [],
      existing: [],
      problemsCreated: [],
      unscheduled: [],
    };
  await checkGraderRefs(
    deps.db,
    checked.map((d, i) => ({
      expectation: d.expectation,
      where: checked.length > 1 ? `Pattern ${i + 1}: ` : '',
    })),
  );

  const outcome = await deps.db.transaction(async (tx) => {
    // Taken first, so a concurrent import that creates the same problem finds it here instead of repeating it.
    await lockPatternWrites(tx);
    // Checked over every item (not the distinct names), so the refusal names the items that used the title.
    await refuseAmbiguousTitles(
      tx,
      checked.map((d) => d.problem),
    );
    const { found, problemsCreated } = await resolveProblems(
      tx,
      [...new Set(checked.map((d) => d.problem))],
      opts,
    );
    await checkDerivedFrom(tx, checked);
    const rows: NewPattern[] = checked.map((d) => {
      const problem = found.get(d.problem) as Problem;
      return {
        problemId: problem.id,
        fingerprint: patternFingerprint(d.input, d.expectation),
        input: d.input,
        expectation: d.expectation,
        polarity: d.polarity,
        source: d.source,
        sourceChannel: d.sourceChannel ?? null,
        sourceTs: d.sourceTs ?? null,
        sourcePermalink: d.sourceRef ?? null,
        creatorId: opts.creatorId ?? null,
        notes: d.notes,
        derivedFromPatternId: d.derivedFrom?.patternId ?? null,
        perturbation: d.derivedFrom?.perturbation ?? null,
      };
    });
    // Repeats inside the request are answered from the first occurrence, never written (or counted) twice.
    const { distinct, firstOf } = dropRepeats(rows);
    const add = opts.deferBackfill ? null : await insertPatternAdd(tx, { creatorId: opts.creatorId ?? null });
    const inserted = await insertPatternsWithRevisions(
      tx,
      distinct.map((i) => rows[i] as NewPattern),
      { addId: add?.id ?? null },
    );
    if (add && inserted.created.length > 0) await setPatternAddSize(tx, add.id, inserted.created.length);
    else if (add) await deletePatternAdd(tx, add.id);
    const createdIds = new Set(inserted.created.map((p) => p.id));
    const idOfDistinct = new Map(distinct.map((rowIndex, k) => [rowIndex, inserted.patternIds[k] ?? null]));
    const items: AddedItem[] = rows.map((_, i) => {
      const first = firstOf[i] as number;
      const id = idOfDistinct.get(first) ?? null;
      if (first !== i) return { status: 'repeat', id, of: first };
      return { status: id !== null && createdIds.has(id) ? 'created' : 'existing', id: id ?? 0 };
    });
    return {
      ...inserted,
      items,
      problemsCreated,
      addId: add && inserted.created.length > 0 ? add.id : null,
    };
  });

  let unscheduled: number[] = [];
  if (outcome.addId !== null) {
    try {
      await deps.scheduler.backfillAdd({ addId: outcome.addId, requestedBy: opts.creatorId ?? null });
    } catch (err) {
      // The patterns are committed already; failing the call now would only invite a duplicate retry.
      deps.log.error({ err, addId: outcome.addId }, 'bulk back-fill could not be queued');
      unscheduled = outcome.created.map((p) => p.revisionId);
    }
  }
  const repeats = outcome.items.filter((i) => i.status === 'repeat').length;
  deps.log.info(
    {
      created: outcome.created.length,
      existing: outcome.existing.length,
      repeats,
      problems: outcome.problemsCreated.length,
      addId: outcome.addId,
    },
    'patterns added',
  );
  return {
    items: outcome.items,
    repeats,
    addId: outcome.addId,
    created: outcome.created,
    existing: outcome.existing,
    problemsCreated: outcome.problemsCreated,
    unscheduled,
  };
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Indexes of the first occurrence of each pattern, and for every row the index of its first occurrence. Two rows
 * are the same pattern when they share (problem, fingerprint) or the same Slack message, as the unique keys say.
 */
function dropRepeats(rows: readonly NewPattern[]): { distinct: number[]; firstOf: number[] } {
  const byFingerprint = new Map<string, number>();
  const bySource = new Map<string, number>();
  const distinct: number[] = [];
  const firstOf: number[] = [];
  for (const [i, row] of rows.entries()) {
    const fp = `${row.problemId}:${row.fingerprint}`;
    const src =
      row.sourceChannel !== null && row.sourceTs !== null ? `${row.sourceChannel}/${row.sourceTs}` : null;
    const first = byFingerprint.get(fp) ?? (src === null ? undefined : bySource.get(src));
    if (first !== undefined) {
      firstOf.push(first);
      continue;
    }
    byFingerprint.set(fp, i);
    if (src !== null) bySource.set(src, i);
    distinct.push(i);
    firstOf.push(i);
  }
  return { distinct, firstOf };
}

/** A related case must name a pattern that exists; otherwise the foreign key would fail the whole batch with a 500. */
async function checkDerivedFrom(db: Db, drafts: readonly NewPatternDraft[]): Promise<void> {
  const ids = [...new Set(drafts.flatMap((d) => (d.derivedFrom ? [d.derivedFrom.patternId] : [])))];
  if (ids.length === 0) return;
  const found = new Set((await getPatternsByIds(db, ids)).map((p) => p.id));
  const missing = ids.find((id) => !found.has(id));
  if (missing !== undefined)
    invalid(`derivedFrom names pattern #${missing}, which does not exist.`, 'derivedFrom');
}

/** One pattern; the result says whether it was new. */
export async function addPattern(
  deps: ServiceDeps,
  draft: NewPatternDraft,
  opts: AddPatternsOptions = {},
): Promise<{ pattern: Pattern; created: boolean }> {
  const result = await addPatterns(deps, [draft], opts);
  const created = result.created[0];
  if (created) return { pattern: created, created: true };
  return { pattern: result.existing[0] as Pattern, created: false };
}

/** Problems by key or title; with createProblems, unknown titles become new problems (unknown keys never do). */
async function resolveProblems(
  db: Db,
  names: readonly string[],
  opts: AddPatternsOptions,
): Promise<{ found: Map<string, Problem>; problemsCreated: Problem[] }> {
  const found = await findProblemsByKeyOrTitle(db, names);
  const missing = [...new Set(names.filter((n) => !found.has(n)))];
  if (missing.length === 0) return { found, problemsCreated: [] };
  const keys = missing.filter(isProblemKey);
  if (!opts.createProblems || keys.length > 0) {
    const shown = (keys.length > 0 ? keys : missing).map((n) => `"${n}"`).join(', ');
    fail('problem_not_found', `No problem is called ${shown}; create it first or check the key.`, 'problem');
  }
  // The first spelling of a title wins: "Sarcasm" and "sarcasm " are one problem.
  const titleOf = new Map(missing.map((name) => [name, valueOrThrow(validateTitle(name), 'problem')]));
  const titles = new Map<string, string>();
  for (const title of titleOf.values())
    if (!titles.has(title.toLowerCase())) titles.set(title.toLowerCase(), title);
  const created = [...titles.values()];
  // In a savepoint: a concurrent /problem new that took one of these titles must not abort the lookup naming it.
  const problemsCreated = await withOpenTitleGuard(db, created, () =>
    db.transaction((sp) =>
      insertProblems(
        sp,
        created.map((title) => ({ title, creatorId: opts.creatorId ?? null })),
      ),
    ),
  );
  const byTitle = new Map(problemsCreated.map((p) => [p.title.toLowerCase(), p]));
  for (const [name, title] of titleOf) {
    const problem = byTitle.get(title.toLowerCase());
    if (problem) found.set(name, problem);
  }
  return { found, problemsCreated };
}

function checkDraft(
  deps: ServiceDeps,
  draft: NewPatternDraft,
  index: number,
  total: number,
): NewPatternDraft {
  const where = total > 1 ? `Pattern ${index + 1}: ` : '';
  const { sourceChannel, sourceTs, ...core } = draft;
  const result = validatePatternDraft(core, deps.limits.maxInputBytes);
  if (!result.ok) {
    const first = result.errors[0];
    const more = result.errors.length > 1 ? ` (and ${result.errors.length - 1} more problem(s))` : '';
    invalid(`${where}${first?.message ?? 'the pattern is not valid.'}${more}`, first?.field);
  }
  const channel = sourceChannel ?? null;
  const ts = sourceTs ?? null;
  if ((channel === null) !== (ts === null)) {
    invalid(`${where}a Slack source needs both the channel and the message timestamp.`, 'sourceTs');
  }
  return { ...result.value, sourceChannel: channel, sourceTs: ts };
}

/** Queues the back-fill of each revision on every model; returns the ids that could not be queued (each logged). */
export async function scheduleBackfills(
  deps: ServiceDeps,
  revisionIds: readonly number[],
  requestedBy: string | null,
): Promise<number[]> {
  const unscheduled: number[] = [];
  for (const patternRevisionId of revisionIds) {
    try {
      await deps.scheduler.backfillRevision({ patternRevisionId, requestedBy });
    } catch (err) {
      // The pattern is committed already; failing the call now would only invite a duplicate retry.
      deps.log.error({ err, patternRevisionId }, 'back-fill could not be queued');
      unscheduled.push(patternRevisionId);
    }
  }
  return unscheduled;
}

export async function getPattern(deps: ServiceDeps, patternId: number): Promise<Pattern> {
  const pattern = await getPatternById(deps.db, patternId);
  if (!pattern) return fail('pattern_not_found', `There is no pattern #${patternId}.`, 'pattern');
  return pattern;
}

export interface PatternEdit {
  input?: unknown;
  expectation?: unknown;
  notes?: string;
  polarity?: Polarity | string;
  editedBy?: string | null;
}

/**
 * Notes and polarity change in place; a new input or expectation appends a revision (results stay attached to
 * the revision they judged) and back-fills it on every live model.
 */
export async function editPattern(deps: ServiceDeps, patternId: number, edit: PatternEdit): Promise<Pattern> {
  rejectNul(edit, 'pattern');
  const current = await getPattern(deps, patternId);
  const input =
    edit.input === undefined
      ? current.input
      : valueOrThrow(parsePatternInput(edit.input, deps.limits.maxInputBytes), 'input');
  const expectation =
    edit.expectation === undefined
      ? current.expectation
      : valueOrThrow(parseExpectation(edit.expectation), 'expect');
  const polarity =
    edit.polarity === undefined ? undefined : valueOrThrow(parsePolarity(edit.polarity), 'polarity');
  if (edit.notes !== undefined && typeof edit.notes !== 'string') invalid('Notes must be text.', 'notes');
  if (edit.expectation !== undefined) await checkGraderRefs(deps.db, [{ expectation, where: '' }]);
  const changed =
    canonicalJson({ input, expectation }) !==
    canonicalJson({ input: current.input, expectation: current.expectation });

  const by = edit.editedBy ?? null;
  const revisionId = await deps.db.transaction(async (tx) => {
    const patch = {
      ...(edit.notes === undefined ? {} : { notes: edit.notes }),
      ...(polarity === undefined ? {} : { polarity }),
    };
    if (!(await updatePatternRow(tx, patternId, patch, deps.now()))) {
      throw new CanaryError('pattern_not_found', `There is no pattern #${patternId}.`, 'pattern');
    }
    const revision = changed
      ? await appendRevision(tx, patternId, { input, expectation, createdBy: by })
      : null;
    const fields = [
      ...(changed ? ['input/expectation'] : []),
      ...(patch.notes !== undefined && patch.notes !== current.notes ? ['notes'] : []),
      ...(patch.polarity !== undefined && patch.polarity !== current.polarity ? ['polarity'] : []),
    ];
    if (fields.length > 0) {
      await insertControlEvent(tx, {
        action: 'pattern.edit',
        subjectType: 'pattern',
        subjectId: patternId,
        actor: by,
        details: {
          fields,
          fromRevision: current.revision,
          ...(revision ? { revision: revision.revision } : {}),
        },
        at: deps.now(),
      });
    }
    return revision?.id ?? null;
  });
  if (revisionId !== null) await scheduleBackfills(deps, [revisionId], by);
  return getPattern(deps, patternId);
}

/**
 * Inactive patterns are kept with their history and results, but are not run on new models and do not count
 * in pass rates, gates, reports or the digest. Reactivating back-fills the current revision on every live model.
 */
export async function setPatternActive(
  deps: ServiceDeps,
  patternId: number,
  active: boolean,
  opts: { by?: string | null } = {},
): Promise<Pattern> {
  const before = await getPattern(deps, patternId);
  if (before.active === active) return before;
  const by = opts.by ?? null;
  const changed = await deps.db.transaction(async (tx) => {
    // Two people pressing at once: the second finds it already switched and records nothing.
    const locked = await lockPattern(tx, patternId);
    if (!locked || locked.active === active) return false;
    const patch = active
      ? { active, deactivatedAt: null, deactivatedBy: null }
      : { active, deactivatedAt: deps.now(), deactivatedBy: by };
    await updatePatternRow(tx, patternId, patch, deps.now());
    await insertControlEvent(tx, {
      action: active ? 'pattern.reactivate' : 'pattern.deactivate',
      subjectType: 'pattern',
      subjectId: patternId,
      actor: by,
      details: active
        ? { deactivatedAt: before.deactivatedAt ?? null, deactivatedBy: before.deactivatedBy ?? null }
        : {},
      at: deps.now(),
    });
    return true;
  });
  // Models registered while it was off never ran it.
  if (active && changed) await scheduleBackfills(deps, [before.revisionId], by);
  return getPattern(deps, patternId);
}

interface PatternModelOutcome {
  modelId: number;
  /** name@version */
  model: string;
  status: OutcomeStatus;
  flaky: boolean;
  /** What the model answered (label, else text), from its latest run. */
  label: string | null;
  reason: string | null;
}

export interface PatternListing {
  pattern: Pattern;
  /** One per non-retired model that has run the current revision, in registration order. */
  outcomes: PatternModelOutcome[];
}

export async function listPatterns(
  deps: ServiceDeps,
  problemKey: string,
  opts: { includeInactive?: boolean } = {},
): Promise<{ problem: Problem; patterns: PatternListing[] }> {
  const problem = await getProblem(deps, problemKey);
  const patterns = await listPatternsOfProblem(deps.db, problem.id, opts);
  const runs = await runsOfRevisions(
    deps.db,
    patterns.map((p) => p.revisionId),
  );
  const models = await getModelsByIds(deps.db, [...new Set(runs.map((r) => r.modelId))]);
  const order = new Map(models.map((m, i) => [m.id, i]));
  const byRevision = groupBy(runs, (r) => r.patternRevisionId);
  return {
    problem,
    patterns: patterns.map((pattern) => {
      const byModel = groupBy(byRevision.get(pattern.revisionId) ?? [], (r) => r.modelId);
      const outcomes: PatternModelOutcome[] = [];
      for (const [modelId, modelRuns] of byModel) {
        const model = models.find((m) => m.id === modelId);
        const [folded] = foldRuns(
          modelRuns.map((r) => ({
            patternId: r.patternId,
            patternRevisionId: r.patternRevisionId,
            status: r.status,
            ...(r.reason === '' ? {} : { reason: r.reason }),
          })),
        );
        if (!model || !folded) continue;
        const last = modelRuns[modelRuns.length - 1];
        outcomes.push({
          modelId,
          model: formatModelRef(model),
          status: folded.status,
          flaky: folded.flaky,
          label: labelOf(last?.prediction),
          reason: folded.reason ?? null,
        });
      }
      outcomes.sort((a, b) => (order.get(a.modelId) ?? 0) - (order.get(b.modelId) ?? 0));
      return { pattern, outcomes };
    }),
  };
}

function labelOf(prediction: unknown): string | null {
  if (prediction === null || typeof prediction !== 'object') return null;
  const { label, text } = prediction as { label?: unknown; text?: unknown };
  if (typeof label === 'string') return label;
  if (typeof text === 'string') return text;
  return null;
}
