import type { KnownBlock } from '@slack/types';
import type { Comparison, Verdict } from '../../core/compare.ts';
import { describeNotComparable } from '../../core/compare.ts';
import { assessEvidence, type Evidence } from '../../core/evidence.ts';
import type { Expectation, Prediction } from '../../core/expectations/handler.ts';
import { describeExpectation } from '../../core/expectations/index.ts';
import type { GateVerdict } from '../../core/gate.ts';
import type { Metrics } from '../../core/metrics.ts';
import { formatInterval, formatRate } from '../../core/metrics.ts';
import { gradedByOf } from '../../core/outcome.ts';
import type { PatternInput, Polarity } from '../../core/pattern.ts';
import { truncate } from '../../core/text.ts';
import { ACTION } from './ids.ts';
import { context, header, LIMITS, mrkdwnSection, packLines, plain, safe } from './limits.ts';
import { suggestButton } from './suggestions.ts';

/**
 * Messages about evaluation results: one per affected problem (in its home thread), the run summary (in the
 * channel the model was registered from), the back-fill answer and broken sign-offs. Pure: data in, blocks out.
 */

export interface MessageContent {
  text: string;
  blocks: KnownBlock[];
}

/** Broken / fixed patterns listed in a problem message before the rest is only counted. */
export const CHANGES_SHOWN = 5;
const PATTERN_TEXT_MAX = 80;

export interface ChangedPattern {
  patternId: number;
  input: PatternInput;
  polarity: Polarity;
}

export interface ProblemResultView {
  model: string;
  problem: { key: string; title: string; threshold: number | null };
  metrics: Metrics;
  previous: { model: string; comparison: Comparison } | null;
  production: { model: string; comparison: Comparison } | null;
  verdict: Verdict | null;
  thresholdMet: boolean | null;
  broken: ChangedPattern[];
  fixed: ChangedPattern[];
  /** QuickChart mode: the chart travels in the message as an image block. */
  chartUrl?: string | undefined;
  /** QuickChart mode: the pattern grid (pass / fail / error per pattern per model), as a second image block. */
  gridChartUrl?: string | undefined;
  /** What the buttons act on; without it (previews) the message has no buttons. */
  ids?: ResultIds | undefined;
  /** What these patterns can show; computed from metrics and the comparison when not given. */
  evidence?: Evidence | undefined;
  /** A pattern to grow related cases from (a failing one), for the button beside the evidence sentence. */
  suggestPatternId?: number | null | undefined;
}

/** A result message's button value: ids only, so the listener reads everything else fresh from the database. */
export interface ResultIds {
  evaluationId: number;
  problemId: number;
}

export function resultIdsValue(ids: ResultIds): string {
  return JSON.stringify({ evaluationId: ids.evaluationId, problemId: ids.problemId });
}

/** null for anything that is not a value resultIdsValue made (old or forged payloads). */
export function parseResultIds(value: string | undefined): ResultIds | null {
  if (!value) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return null;
  }
  const { evaluationId, problemId } = (parsed ?? {}) as Record<string, unknown>;
  const isId = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) > 0;
  return isId(evaluationId) && isId(problemId) ? { evaluationId, problemId } : null;
}

const VERDICT_TEXT: Record<Verdict, string> = {
  improved: ':chart_with_upwards_trend: improved',
  regressed: ':warning: regressed',
  no_clear_change: 'no clear change',
};

export function verdictText(verdict: Verdict | null): string {
  return verdict === null ? 'nothing to compare with yet' : VERDICT_TEXT[verdict];
}

export function patternText(input: PatternInput, max = PATTERN_TEXT_MAX): string {
  const raw = typeof input === 'string' ? input : JSON.stringify(input);
  return truncate(raw.replace(/\s+/g, ' ').trim(), max);
}

function thresholdLine(threshold: number | null, met: boolean | null): string {
  if (threshold === null) return 'Not gated (no threshold)';
  if (met === null) return `Threshold ${formatRate(threshold)}: not rated`;
  return met
    ? `:white_check_mark: Meets its ${formatRate(threshold)} threshold`
    : `:x: Below its ${formatRate(threshold)} threshold`;
}

function againstLine(
  label: string,
  against: { model: string; comparison: Comparison } | null,
): string | null {
  if (!against) return null;
  const c = against.comparison;
  const apart = describeNotComparable(c);
  const note = apart === null ? '' : ` · ${safe(apart, 300)}`;
  if (c.paired === 0) return `vs ${label} \`${safe(against.model, 100)}\`: no patterns in common${note}`;
  return (
    `vs ${label} \`${safe(against.model, 100)}\`: ${formatRate(c.baselinePassRate)} → ${formatRate(c.candidatePassRate)}` +
    ` on ${c.paired} shared, ${c.fixed.length} fixed, ${c.broken.length} broken — ${verdictText(c.verdict)}${note}`
  );
}

/** A capped bullet list; the note says how many are left out, so the reader knows it is incomplete. */
export function changeList(
  title: string,
  changes: readonly ChangedPattern[],
  shown = CHANGES_SHOWN,
): string | null {
  if (changes.length === 0) return null;
  const lines = changes
    .slice(0, shown)
    .map((c) => `• #${c.patternId} (${c.polarity}) “${safe(patternText(c.input), PATTERN_TEXT_MAX + 40)}”`);
  if (changes.length > shown) {
    lines.push(
      `_… and ${changes.length - shown} more: see \`canary compare\` or the pattern grid for all of them_`,
    );
  }
  return `*${title} (${changes.length})*\n${lines.join('\n')}`;
}

export function imageBlock(url: string, altText: string, title?: string): KnownBlock {
  return {
    type: 'image',
    image_url: url,
    alt_text: truncate(altText, 2000),
    ...(title ? { title: { type: 'plain_text', text: truncate(title, 2000) } } : {}),
  };
}

export function problemResultMessage(view: ProblemResultView): MessageContent {
  const { problem, metrics } = view;
  const name = `${problem.key} — ${problem.title}`;
  const rate = `${formatRate(metrics.passRate)} ${formatInterval(metrics.ci)} (n=${metrics.n}${
    metrics.errored > 0 ? `, ${metrics.errored} errored` : ''
  }${metrics.flaky > 0 ? `, ${metrics.flaky} flaky` : ''})`;
  const lines = [
    `*\`${safe(view.model, 100)}\` on ${safe(name, 200)}*`,
    `Pass rate ${rate}`,
    `Verdict: *${verdictText(view.verdict)}* · ${thresholdLine(problem.threshold, view.thresholdMet)}`,
    againstLine('previous', view.previous),
    againstLine('production', view.production),
  ].filter((l): l is string => l !== null);
  const blocks: KnownBlock[] = [mrkdwnSection(lines.join('\n'))];
  const evidence = evidenceBlock(view);
  if (evidence) blocks.push(evidence);
  const broken = changeList('Newly broken', view.broken);
  const fixed = changeList('Newly fixed', view.fixed);
  if (broken) blocks.push(mrkdwnSection(broken));
  if (fixed) blocks.push(mrkdwnSection(fixed));
  if (view.chartUrl)
    blocks.push(
      imageBlock(view.chartUrl, `${problem.key} pass rate per model`, `${problem.key} across models`),
    );
  if (view.gridChartUrl)
    blocks.push(
      imageBlock(
        view.gridChartUrl,
        `${problem.key} pattern outcomes per model`,
        `${problem.key} patterns per model`,
      ),
    );
  if (view.ids) {
    const truncated = view.broken.length > CHANGES_SHOWN || view.fixed.length > CHANGES_SHOWN;
    blocks.push(resultActions(view.ids, view.model, problem.key, truncated));
  }
  const text = truncate(
    `${view.model} on ${problem.key}: ${formatRate(metrics.passRate)} ${formatInterval(metrics.ci)}, ${verdictText(view.verdict).replace(/:[a-z_]+: /, '')}`,
    LIMITS.messageText,
  );
  return { text, blocks };
}

/**
 * The evidence sentence ("Not enough patterns to tell: …"); when the patterns are too few, with the button
 * that proposes related cases beside it, so the fix is one click from the diagnosis.
 */
function evidenceBlock(view: ProblemResultView): KnownBlock | null {
  const evidence =
    view.evidence ??
    assessEvidence({
      metrics: view.metrics,
      threshold: view.problem.threshold,
      comparison: (view.previous ?? view.production)?.comparison,
    });
  if (evidence.status === 'not_applicable') return null;
  if (evidence.status === 'enough') return context(evidence.sentence);
  const section = mrkdwnSection(`:mag: ${evidence.sentence}`);
  const from = view.suggestPatternId ?? view.broken[0]?.patternId ?? view.fixed[0]?.patternId;
  return view.ids && from !== undefined && from !== null
    ? ({ ...section, accessory: suggestButton(from) } as KnownBlock)
    : section;
}

function resultActions(ids: ResultIds, model: string, problemKey: string, truncated: boolean): KnownBlock {
  const value = resultIdsValue(ids);
  return {
    type: 'actions',
    block_id: `result:${ids.evaluationId}:${ids.problemId}`,
    elements: [
      ...(truncated
        ? [
            {
              type: 'button' as const,
              action_id: ACTION.resultShowAll,
              text: plain('Show all', LIMITS.buttonText),
              value,
            },
          ]
        : []),
      {
        type: 'button',
        action_id: ACTION.resultSignOff,
        text: plain('Sign off', LIMITS.buttonText),
        value,
        // Signing off vouches for this model's rate on the problem; one stray click should not do that.
        confirm: {
          title: plain('Sign off?', 100),
          text: plain(`Sign off ${problemKey} at ${model}'s current pass rate?`, 300),
          confirm: plain('Sign off', 30),
          deny: plain('Cancel', 30),
        },
      },
    ],
  };
}

/** One changed pattern with what it asks for and what the model said, for the complete list. */
export interface ChangeDetail extends ChangedPattern {
  expectation: Expectation;
  prediction: Omit<Prediction, 'raw'> | null;
}

export interface AllChangesView {
  model: string;
  problem: { key: string; title: string };
  /** The model the changes are measured against. */
  baseline: string | null;
  broken: ChangeDetail[];
  fixed: ChangeDetail[];
}

const DETAIL_INPUT_MAX = 150;
const DETAIL_VALUE_MAX = 100;
/** Below Slack's 50 blocks and well below its overall message size, so every part is accepted. */
const DETAIL_BLOCKS_PER_MESSAGE = 8;

function answerText(prediction: ChangeDetail['prediction']): string {
  if (!prediction) return '_no answer recorded_';
  const said = prediction.label ?? prediction.text;
  const score = prediction.score === undefined ? null : `score ${Number(prediction.score.toFixed(3))}`;
  if (said === undefined) return score ?? '_an empty answer_';
  return `${safe(truncate(said.replace(/\s+/g, ' '), DETAIL_VALUE_MAX), DETAIL_VALUE_MAX * 2)}${score ? ` (${score})` : ''}`;
}

function detailLine(c: ChangeDetail): string {
  const expected = safe(truncate(describeExpectation(c.expectation), DETAIL_VALUE_MAX), DETAIL_VALUE_MAX * 2);
  const input = safe(patternText(c.input, DETAIL_INPUT_MAX), DETAIL_INPUT_MAX * 2);
  const by = gradedByOf(c.prediction);
  const graded = by === undefined ? '' : ` · graded by \`${safe(by, 100)}\``;
  return `• #${c.patternId} (${c.polarity}) “${input}”\n      expected ${expected} · got ${answerText(c.prediction)}${graded}`;
}

/**
 * Every newly broken and newly fixed pattern of one problem, split into as many messages as Slack's limits
 * need; each part says which part it is, so a reader can tell the list is complete.
 */
export function allChangesMessages(view: AllChangesView): MessageContent[] {
  const against = view.baseline ? ` vs \`${safe(view.baseline, 100)}\`` : '';
  const title = `*\`${safe(view.model, 100)}\` on ${safe(`${view.problem.key} — ${view.problem.title}`, 200)}*${against}`;
  const sections = [...listSections('Newly broken', view.broken), ...listSections('Newly fixed', view.fixed)];
  if (sections.length === 0) sections.push('_No pattern changed._');
  const parts: string[][] = [];
  for (let i = 0; i < sections.length; i += DETAIL_BLOCKS_PER_MESSAGE) {
    parts.push(sections.slice(i, i + DETAIL_BLOCKS_PER_MESSAGE));
  }
  const counts = `${view.broken.length} newly broken, ${view.fixed.length} newly fixed`;
  return parts.map((part, i) => {
    const where = parts.length > 1 ? ` (part ${i + 1} of ${parts.length})` : '';
    return {
      text: truncate(`${view.model} on ${view.problem.key}: ${counts}${where}`, LIMITS.messageText),
      blocks: [
        ...(i === 0 ? [mrkdwnSection(title)] : []),
        ...part.map((text) => mrkdwnSection(text)),
        context(`${counts}${where}`),
      ],
    };
  });
}

function listSections(title: string, changes: readonly ChangeDetail[]): string[] {
  if (changes.length === 0) return [];
  return packLines([`*${title} (${changes.length})*`, ...changes.map(detailLine)]);
}

export interface SummaryView {
  model: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  trigger: string;
  progress: { total: number; done: number; passed: number; failed: number; errored: number };
  /** Set once done. */
  problems?: {
    key: string;
    title: string;
    metrics: Metrics;
    verdict: Verdict | null;
    thresholdMet: boolean | null;
  }[];
  gate?: GateVerdict;
  error?: string | null;
  chartUrl?: string | undefined;
  /** QuickChart mode: reported training metrics per model, shown beside the pass rates. */
  metricsChartUrl?: string | undefined;
  /** One line each for the candidate and every grader: requests, tokens, money (docs/generative.md). */
  costLines?: string[] | undefined;
  /** What users think, beside the pass rates; absent when nobody rated the model. */
  users?: SummaryUsers | undefined;
}

export interface SummaryUsers {
  /** `users: 82% 👍 on v3 [76–87%] vs 74% on v2, p = 0.01` */
  line: string;
  /** By problem key: ratings of the observations its patterns were made from. */
  perProblem: Record<string, { share: number | null; n: number }>;
  /** QuickChart mode: share of 👍 per day, by version. */
  chartUrl?: string | undefined;
}

function usersOnProblem(users: SummaryUsers | undefined, key: string): string {
  const s = users?.perProblem[key];
  if (!s || s.share === null || s.n === 0) return '';
  return ` · users ${Math.round(s.share * 100)}% 👍 (n=${s.n})`;
}

const SUMMARY_PROBLEMS_SHOWN = 20;

function progressBar(done: number, total: number): string {
  const width = 20;
  const filled = total === 0 ? width : Math.min(width, Math.round((done / total) * width));
  return `\`${'█'.repeat(filled)}${'░'.repeat(width - filled)}\` ${done}/${total}`;
}

export function evaluationSummaryMessage(view: SummaryView): MessageContent {
  const { progress: p } = view;
  const model = safe(view.model, 100);
  const counts = `${p.passed} passed · ${p.failed} failed · ${p.errored} errored`;
  if (view.state === 'queued' || view.state === 'running') {
    return {
      text: `Evaluating ${view.model}: ${p.done}/${p.total}`,
      blocks: [
        mrkdwnSection(
          `:hourglass_flowing_sand: *Evaluating \`${model}\`* (${view.trigger})\n${progressBar(p.done, p.total)}`,
        ),
        context(counts),
      ],
    };
  }
  if (view.state === 'failed') {
    return {
      text: `Evaluation of ${view.model} failed`,
      blocks: [
        mrkdwnSection(
          `:x: *Evaluation of \`${model}\` failed*${view.error ? `\n${safe(view.error, 1000)}` : ''}`,
        ),
        context(`${p.done}/${p.total} done · ${counts}`),
      ],
    };
  }
  const gate = view.gate;
  const headline = gate
    ? gate.pass
      ? `:white_check_mark: *\`${model}\` passes the gate*`
      : `:no_entry: *\`${model}\` fails the gate*`
    : `*\`${model}\` evaluated*`;
  const blocks: KnownBlock[] = [header(`Results: ${view.model}`), mrkdwnSection(headline)];
  const problems = view.problems ?? [];
  if (problems.length > 0) {
    const tooFew = new Set(
      (gate?.problems ?? []).filter((p) => p.status === 'too_few_patterns').map((p) => p.key),
    );
    const rows = problems.slice(0, SUMMARY_PROBLEMS_SHOWN).map((row) => {
      const met = row.thresholdMet === null ? '' : row.thresholdMet ? ' ✓' : ' ✗ below threshold';
      const verdict =
        row.verdict === null || row.verdict === 'no_clear_change' ? '' : ` · ${verdictText(row.verdict)}`;
      const evidence = tooFew.has(row.key) ? ' · :mag: too few patterns to tell' : '';
      const users = usersOnProblem(view.users, row.key);
      return `• ${safe(row.key, 20)} ${safe(row.title, 80)}: ${formatRate(row.metrics.passRate)} ${formatInterval(row.metrics.ci)}${met}${verdict}${evidence}${users}`;
    });
    if (problems.length > SUMMARY_PROBLEMS_SHOWN)
      rows.push(`_… and ${problems.length - SUMMARY_PROBLEMS_SHOWN} more problems_`);
    blocks.push(mrkdwnSection(rows.join('\n')));
  }
  if (view.users) blocks.push(mrkdwnSection(`*What users think* ${safe(view.users.line, 500)}`));
  if (gate && gate.reasons.length > 0) {
    blocks.push(
      mrkdwnSection(
        `*Why*\n${gate.reasons
          .slice(0, 10)
          .map((r) => `• ${safe(r, 300)}`)
          .join('\n')}`,
      ),
    );
  }
  if (view.chartUrl)
    blocks.push(
      imageBlock(view.chartUrl, 'Pass rate per problem across candidate models', 'Problems over models'),
    );
  if (view.metricsChartUrl)
    blocks.push(imageBlock(view.metricsChartUrl, 'Reported training metrics per model', 'Training metrics'));
  if (view.users?.chartUrl)
    blocks.push(imageBlock(view.users.chartUrl, 'Share of 👍 per day, by model version', 'What users think'));
  if (view.costLines && view.costLines.length > 0)
    blocks.push(
      context(
        `Cost: ${view.costLines
          .slice(0, 6)
          .map((l) => safe(l, 200))
          .join(' | ')}`,
      ),
    );
  blocks.push(context(`${p.done}/${p.total} runs · ${counts} · details in each problem's thread`));
  const verdict = gate ? (gate.pass ? 'passes the gate' : 'fails the gate') : 'evaluated';
  return { text: `${view.model} ${verdict}`, blocks };
}

export interface BackfillRow {
  model: string;
  state: 'pending' | 'passed' | 'failed' | 'errored' | 'flaky' | 'failed_run';
  /** What the model answered (label or text), when there is one. */
  answer?: string | null;
}

export interface BackfillView {
  patternId: number;
  problemKey: string;
  input: PatternInput;
  polarity: Polarity;
  rows: BackfillRow[];
}

const BACKFILL_MARK: Record<BackfillRow['state'], string> = {
  pending: '…',
  passed: '✓',
  failed: '✗',
  errored: '⚠ errored',
  flaky: '~ flaky',
  failed_run: '⚠ run failed',
};

const BACKFILL_ROWS_SHOWN = 40;

export function backfillMessage(view: BackfillView): MessageContent {
  const done = view.rows.filter((r) => r.state !== 'pending').length;
  const passed = view.rows.filter((r) => r.state === 'passed').length;
  const lines = view.rows.slice(0, BACKFILL_ROWS_SHOWN).map((r) => {
    const answer = r.answer ? ` ${safe(truncate(r.answer, 60), 120)}` : '';
    return `\`${safe(r.model, 100)}\` ${BACKFILL_MARK[r.state]}${answer}`;
  });
  if (view.rows.length > BACKFILL_ROWS_SHOWN)
    lines.push(`_… and ${view.rows.length - BACKFILL_ROWS_SHOWN} more models_`);
  const title = `*Pattern #${view.patternId}* (${view.problemKey}, ${view.polarity}) “${safe(patternText(view.input), 160)}”`;
  const status =
    done < view.rows.length
      ? `${done}/${view.rows.length} models answered so far`
      : `passes on ${passed} of ${view.rows.length} models`;
  return {
    text: `Pattern #${view.patternId} back-filled: ${status}`,
    blocks: [
      mrkdwnSection(`${title}\n${lines.length > 0 ? lines.join('\n') : '_no model to run it on_'}`),
      context(status),
    ],
  };
}

export interface BrokenSignoffView {
  problemKey: string;
  signedModel: string;
  signedBy: string;
  signedRate: number;
  brokenBy: string;
  nowRate: number | null;
}

export function signoffBrokenMessage(view: BrokenSignoffView): MessageContent {
  const text = `Sign-off on ${view.problemKey} broken by ${view.brokenBy}`;
  return {
    text,
    blocks: [
      mrkdwnSection(
        `:rotating_light: *Sign-off broken* — <@${safe(view.signedBy, 40)}> signed off ${view.problemKey} on \`${safe(view.signedModel, 100)}\` at ${formatRate(view.signedRate)}; \`${safe(view.brokenBy, 100)}\` is at ${formatRate(view.nowRate)}.`,
      ),
    ],
  };
}
