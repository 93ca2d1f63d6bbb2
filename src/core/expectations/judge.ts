import { isPlainObject, type JsonObject } from '../json.ts';
import { parseModelRef } from '../model.ts';
import type { Result } from '../result.ts';
import type { ExpectationHandler, JudgeSpec } from './handler.ts';
import { describeType, errored, fail, normaliseLabel, ok, predictedLabel, quote } from './handler.ts';
import { parseRubricAnswer } from './judge-prompt.ts';

const VERDICT_KEYS = ['label', 'not_label', 'min_score', 'max_score'] as const;
const RUBRIC_MAX = 4_000;

/** A model reference in a check: name@version, exactly as registered. */
export function parseModelKey(value: unknown, field: string): Result<string> {
  if (typeof value !== 'string' || value.trim() === '')
    return fail(`"${field}" must name a registered model as name@version, e.g. "judge@1".`);
  const ref = parseModelRef(value);
  if (!ref.ok) return fail(`"${field}": ${ref.error}`);
  return ok(`${ref.value.name}@${ref.value.version}`);
}

function parseVerdict(body: JsonObject, grader: string): Result<JudgeSpec> {
  const spec: { grader: string; label?: string; not_label?: string; min_score?: number; max_score?: number } =
    {
      grader,
    };
  for (const key of ['label', 'not_label'] as const) {
    const v = body[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.trim() === '') return fail(`"judge.${key}" must be a non-empty string.`);
    spec[key] = v.trim();
  }
  for (const key of ['min_score', 'max_score'] as const) {
    const v = body[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) return fail(`"judge.${key}" must be a finite number.`);
    spec[key] = v;
  }
  if (spec.label !== undefined && spec.not_label !== undefined)
    return fail('"judge" takes "label" or "not_label", not both.');
  if (spec.min_score !== undefined && spec.max_score !== undefined && spec.min_score > spec.max_score)
    return fail(
      `"judge.min_score" (${spec.min_score}) is greater than "judge.max_score" (${spec.max_score}).`,
    );
  return ok(spec);
}

export const judgeHandler: ExpectationHandler<'judge'> = {
  extraKeys: [],
  parse(body) {
    const value = body['judge'];
    if (!isPlainObject(value))
      return fail(
        `"judge" must be an object like {"grader": "toxicity@1", "label": "non_toxic"} or {"grader": "judge@1", "rubric": "…"}, got ${describeType(value)}.`,
      );
    const allowed = ['grader', 'rubric', ...VERDICT_KEYS];
    const unknown = Object.keys(value).filter((k) => !allowed.includes(k));
    if (unknown.length > 0)
      return fail(
        `"judge" does not take ${unknown.map((k) => `"${k}"`).join(', ')}; it takes ${allowed.map((k) => `"${k}"`).join(', ')}.`,
      );
    const grader = parseModelKey(value['grader'], 'judge.grader');
    if (!grader.ok) return grader;
    const verdictKeys = VERDICT_KEYS.filter((k) => value[k] !== undefined);
    if (value['rubric'] !== undefined) {
      if (verdictKeys.length > 0)
        return fail(
          `"judge" with a "rubric" decides by the grader's pass/fail; drop ${verdictKeys.map((k) => `"${k}"`).join(', ')}.`,
        );
      const rubric = value['rubric'];
      if (typeof rubric !== 'string' || rubric.trim() === '')
        return fail('"judge.rubric" must be a non-empty string.');
      if (rubric.length > RUBRIC_MAX)
        return fail(`"judge.rubric" is ${rubric.length} characters; keep it to ${RUBRIC_MAX}.`);
      return ok({ judge: { grader: grader.value, rubric: rubric.trim() } });
    }
    if (verdictKeys.length === 0)
      return fail(
        '"judge" needs a "rubric", or what the grader must say: "label", "not_label", "min_score" or "max_score".',
      );
    const spec = parseVerdict(value, grader.value);
    return spec.ok ? ok({ judge: spec.value }) : spec;
  },
  needs: ({ judge }) =>
    'rubric' in judge
      ? { kind: 'grader', grader: judge.grader, rubric: judge.rubric }
      : { kind: 'grader', grader: judge.grader },
  check({ judge }, _prediction, _variants, aid) {
    const grade = aid?.grade;
    if (!grade) return errored(`no answer from the grader ${judge.grader}`);
    if (grade.error !== undefined || !grade.prediction)
      return errored(`the grader ${grade.grader} failed: ${grade.error ?? 'no answer'}`);
    const said = grade.prediction;
    if ('rubric' in judge) {
      const answer = parseRubricAnswer(said.text ?? said.label ?? '');
      if (!answer.ok) return errored(answer.error);
      const why = answer.reason === '' ? '' : `: ${answer.reason}`;
      return { pass: answer.pass, reason: `${grade.grader} ${answer.pass ? 'passed' : 'failed'} it${why}` };
    }
    const label = predictedLabel(said);
    if (judge.label !== undefined || judge.not_label !== undefined) {
      if (label === undefined) return errored(`the grader ${grade.grader} returned no label`);
      if (judge.label !== undefined && normaliseLabel(label) !== normaliseLabel(judge.label))
        return {
          pass: false,
          reason: `${grade.grader} said ${quote(label)}, expected ${quote(judge.label)}`,
        };
      if (judge.not_label !== undefined && normaliseLabel(label) === normaliseLabel(judge.not_label))
        return { pass: false, reason: `${grade.grader} said ${quote(label)}, which it must not` };
    }
    if (judge.min_score !== undefined || judge.max_score !== undefined) {
      const score = said.score;
      if (typeof score !== 'number' || Number.isNaN(score))
        return errored(`the grader ${grade.grader} returned no score`);
      if (judge.min_score !== undefined && score < judge.min_score)
        return { pass: false, reason: `${grade.grader} scored ${score}, below ${judge.min_score}` };
      if (judge.max_score !== undefined && score > judge.max_score)
        return { pass: false, reason: `${grade.grader} scored ${score}, above ${judge.max_score}` };
    }
    const shown = [
      label === undefined ? undefined : quote(label),
      said.score === undefined ? undefined : `score ${said.score}`,
    ]
      .filter((s) => s !== undefined)
      .join(', ');
    return { pass: true, reason: `${grade.grader} said ${shown} as expected` };
  },
  describe: ({ judge }) => {
    if ('rubric' in judge) return `${judge.grader} judges: ${judge.rubric}`;
    const parts = [
      judge.label === undefined ? undefined : `= ${judge.label}`,
      judge.not_label === undefined ? undefined : `≠ ${judge.not_label}`,
      judge.min_score === undefined ? undefined : `score ≥ ${judge.min_score}`,
      judge.max_score === undefined ? undefined : `score ≤ ${judge.max_score}`,
    ].filter((p) => p !== undefined);
    return `${judge.grader} ${parts.join(', ')}`;
  },
};
