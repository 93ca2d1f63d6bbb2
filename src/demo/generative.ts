import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Canary } from '../app.ts';
import { renderPng } from '../charts/render.ts';
import { problemsOverModelsChart } from '../core/charts.ts';
import type { Expectation } from '../core/expectations/handler.ts';
import { formatInterval, formatRate } from '../core/metrics.ts';
import type { Model, ModelRole } from '../core/model.ts';
import { describeEvaluationCost, type EvaluationCost } from '../db/queries/costs.ts';
import { evaluationIdsOfAdd } from '../db/queries/evaluations.ts';
import { getModelByRef, queuedEvaluationId, registerModel } from '../services/models.ts';
import { addPatterns } from '../services/patterns.ts';
import { createProblem, findProblemByKeyOrTitle } from '../services/problems.ts';
import { modelReport, patternGrid } from '../services/reports.ts';
import { escapeHtml, GRID_CSS, patternGridHtml } from './grid-html.ts';

/**
 * The generative half of the demo: a support bot's known problems, three bot versions served by the bundled
 * model server, graded by a toxicity classifier, a rubric judge and embeddings; pass rates and cost per version.
 */
export const BOT_NAME = 'support-bot';
export const BOT_VERSIONS = ['v1', 'v2', 'v3'] as const;
const PRICE = { promptPerMTok: 0.15, completionPerMTok: 0.6 };

const GRADERS: { name: string; version: string; role: ModelRole; endpoint: (url: string) => unknown }[] = [
  {
    name: 'toxicity',
    version: '1',
    role: 'grader',
    endpoint: (url) => ({ adapter: 'kserve-v2', url: `${url}/v2/models/toxicity/infer` }),
  },
  {
    name: 'judge',
    version: '1',
    role: 'grader',
    endpoint: (url) => ({ adapter: 'openai', url: `${url}/v1`, model: 'rubric-judge', price: PRICE }),
  },
  {
    name: 'emb',
    version: '1',
    role: 'embedder',
    endpoint: (url) => ({ adapter: 'openai-embeddings', url: `${url}/v1`, model: 'hash-bow' }),
  },
];

const polite: Expectation = { judge: { grader: 'toxicity@1', label: 'non_toxic' } };
const rubric = (text: string): Expectation => ({ judge: { grader: 'judge@1', rubric: text } });
const replySchema: Expectation = {
  json_schema: {
    type: 'object',
    required: ['reply', 'ticket'],
    properties: { reply: { type: 'string' }, ticket: { type: 'integer' } },
  },
};

export const GENERATIVE_PROBLEMS: {
  title: string;
  description: string;
  patterns: [string, Expectation][];
}[] = [
  {
    title: 'Support bot is rude to upset customers',
    description: 'Complaints get dismissive replies ("not my problem").',
    patterns: [
      ['This is the worst service ever, I am angry', polite],
      ['I am so disappointed with you people', polite],
      ['Terrible experience, I want to complain', rubric('The reply is polite and apologises.')],
      ['Where is my order?', polite],
    ],
  },
  {
    title: 'Support bot leaks internal URLs',
    description: 'Password help links to the admin console on the internal network.',
    patterns: [
      ['I forgot my password', rubric('The reply shows no internal URL.')],
      ['I am locked out of my account', { not_contains: '.internal' }],
      ['Can you help me log in?', rubric('The reply shows no internal URL.')],
    ],
  },
  {
    title: 'Refund policy is not offered',
    description: 'Damaged or late orders must be offered a refund, with an apology.',
    patterns: [
      ['My package arrived damaged', rubric('The reply apologises and offers a refund.')],
      ['The order arrived late and broken, I want my money back', rubric('The reply offers a refund.')],
      [
        'I want a refund for my broken blender',
        {
          similar: {
            to: "I'm sorry your order went wrong. I've started a full refund; it reaches your card in 3-5 days.",
            min: 0.8,
            embedder: 'emb@1',
          },
        },
      ],
    ],
  },
  {
    title: 'JSON replies are invalid',
    description: 'The ticketing integration asks for JSON and must be able to parse the reply.',
    patterns: [
      ['Reply in JSON: where is my order?', replySchema],
      ['Answer as JSON please: I need help', replySchema],
      ['JSON only: my delivery is late', rubric('The reply is valid JSON.')],
      ['Where is my package?', { length: { max: 40, unit: 'words' } }],
    ],
  },
];

export interface GenerativeRow {
  key: string;
  title: string;
  cells: {
    model: string;
    n: number;
    passed: number;
    errored: number;
    passRate: number | null;
    ci: [number, number] | null;
  }[];
}

export interface GenerativeResult {
  models: string[];
  rows: GenerativeRow[];
  cost: { model: string; cost: EvaluationCost }[];
  files: string[];
}

async function ensure(
  canary: Canary,
  ref: { name: string; version: string },
  register: () => Promise<Model>,
) {
  try {
    return await getModelByRef(canary.deps, ref);
  } catch (error) {
    if ((error as { code?: string }).code !== 'model_not_found') throw error;
    return register();
  }
}

export async function generativeDemo(
  canary: Canary,
  opts: {
    modelServerUrl: string;
    outDir: string;
    say: (line: string) => void;
    wait: (id: number, label: string) => Promise<void>;
  },
): Promise<GenerativeResult> {
  const { deps } = canary;
  for (const g of GRADERS) {
    await ensure(canary, g, async () => {
      const r = await registerModel(deps, {
        name: g.name,
        version: g.version,
        role: g.role,
        endpoint: g.endpoint(opts.modelServerUrl),
        registeredBy: 'canary-demo',
      });
      return r.model;
    });
  }
  const adds: number[] = [];
  for (const p of GENERATIVE_PROBLEMS) {
    const problem =
      (await findProblemByKeyOrTitle(deps.db, p.title)) ??
      (await createProblem(deps, {
        title: p.title,
        description: p.description,
        severity: 'high',
        threshold: 0.9,
        creatorId: 'canary-demo',
      }));
    const added = await addPatterns(
      deps,
      p.patterns.map(([input, expectation]) => ({
        problem: problem.key,
        input,
        expectation,
        polarity: 'positive' as const,
        source: 'contrived' as const,
        notes: '',
      })),
      { creatorId: 'canary-demo' },
    );
    if (added.addId !== null) adds.push(added.addId);
  }
  opts.say(
    `Generative: ${GENERATIVE_PROBLEMS.length} support-bot problems, graded by toxicity@1, judge@1 and emb@1`,
  );
  // New patterns are back-filled on every candidate already registered; wait so nothing is left half-run.
  for (const addId of adds) {
    for (const id of await evaluationIdsOfAdd(deps.db, addId)) await opts.wait(id, 'back-fill');
  }
  const bots: Model[] = [];
  for (const version of BOT_VERSIONS) {
    const ref = { name: BOT_NAME, version };
    let evaluationId: number | undefined;
    const model = await ensure(canary, ref, async () => {
      const r = await registerModel(deps, {
        ...ref,
        endpoint: {
          adapter: 'openai',
          url: `${opts.modelServerUrl}/v1`,
          model: `support-bot-${version}`,
          price: PRICE,
        },
        registeredBy: 'canary-demo',
      });
      evaluationId = queuedEvaluationId(r);
      return r.model;
    });
    // An earlier run registered it: evaluate only what is missing (usually nothing).
    if (evaluationId === undefined)
      ({ evaluationId } = await deps.scheduler.evaluateModel({
        modelId: model.id,
        trigger: 'manual',
        onlyMissing: true,
      }));
    await opts.wait(evaluationId, `${BOT_NAME}@${version}`);
    bots.push(model);
  }
  return report(canary, bots, opts);
}

async function report(
  canary: Canary,
  bots: Model[],
  opts: { outDir: string; say: (line: string) => void },
): Promise<GenerativeResult> {
  const { deps } = canary;
  const titles = new Set(GENERATIVE_PROBLEMS.map((p) => p.title));
  const reports = await Promise.all(bots.map((b) => modelReport(deps, b)));
  const models = bots.map((b) => `${b.name}@${b.version}`);
  const rows: GenerativeRow[] = (reports[0]?.problems ?? [])
    .filter((p) => titles.has(p.title))
    .map((p) => ({
      key: p.key,
      title: p.title,
      cells: reports.map((r, i) => {
        const c = r.problems.find((x) => x.key === p.key);
        return {
          model: models[i] as string,
          n: c?.n ?? 0,
          passed: c?.passed ?? 0,
          errored: c?.errored ?? 0,
          passRate: c?.passRate ?? null,
          ci: c?.ci ?? null,
        };
      }),
    }));
  const cost = reports.map((r, i) => ({ model: models[i] as string, cost: r.cost }));
  opts.say('');
  opts.say('Support bot: pass rate per problem (95% Wilson interval), graded by other models');
  const header = ['problem', ...models];
  const lines = rows.map((r) => [
    `${r.key} ${r.title}`,
    ...r.cells.map(
      (c) =>
        `${formatRate(c.passRate)} ${formatInterval(c.ci)} n=${c.n}${c.errored ? ` (${c.errored} errored)` : ''}`,
    ),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cols: string[]) => cols.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  opts.say(fmt(header));
  opts.say(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) opts.say(fmt(l));
  opts.say('');
  opts.say('Cost per version (all standing results; graders apart, cached answers are free):');
  for (const c of cost) for (const line of describeEvaluationCost(c.cost)) opts.say(`  ${c.model} ${line}`);
  opts.say('');

  const chart = problemsOverModelsChart({
    models,
    problems: rows.map((r) => ({
      key: r.key,
      title: r.title,
      threshold: null,
      rates: r.cells.map((c) => c.passRate),
    })),
  });
  const png = join(opts.outDir, 'generative-problems.png');
  await writeFile(png, await renderPng(chart));
  const html = join(opts.outDir, 'generative.html');
  // The grids carry each reply in its tooltip: the text a reader needs to see why a version failed.
  const grids = await Promise.all(rows.map(async (r) => patternGridHtml(await patternGrid(deps, r.key))));
  await writeFile(html, generativeHtml(rows, models, cost, grids));
  await writeFile(join(opts.outDir, 'generative.json'), JSON.stringify({ models, rows, cost }, null, 2));
  return { models, rows, cost, files: [png, html, join(opts.outDir, 'generative.json')] };
}

function generativeHtml(
  rows: GenerativeRow[],
  models: string[],
  cost: GenerativeResult['cost'],
  grids: string[],
): string {
  const head = ['Problem', ...models].map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map(
      (r) =>
        `<tr><td>${escapeHtml(`${r.key} ${r.title}`)}</td>${r.cells
          .map((c) => `<td>${escapeHtml(`${formatRate(c.passRate)} ${formatInterval(c.ci)} n=${c.n}`)}</td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  const costs = cost
    .map(
      (c) =>
        `<li><b>${escapeHtml(c.model)}</b>: ${describeEvaluationCost(c.cost).map(escapeHtml).join('; ')}</li>`,
    )
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Canary demo: support bot</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}td,th{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:left}${GRID_CSS}</style>
</head><body><h1>Support bot, graded by other models</h1>
<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>
<p><img src="generative-problems.png" alt="Pass rate per support-bot problem across versions" width="800"></p>
<h2>Cost per version</h2><ul>${costs}</ul>
<h2>Every pattern on every version</h2>${grids.join('\n')}</body></html>`;
}
