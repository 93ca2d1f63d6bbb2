import type { ModelRef } from '../core/commands.ts';
import type { GateReport } from '../http/gate-report.ts';
import type { Observation } from '../services/observations.ts';
import type { TriageGroup } from '../services/triage.ts';
import type {
  CanaryClient,
  EvaluationProgress,
  ImportOutcome,
  ModelComparison,
  ModelReport,
} from './client.ts';
import { apiRequest, type HttpTarget } from './http-request.ts';

const ref = (r: ModelRef) => `${encodeURIComponent(r.name)}/${encodeURIComponent(r.version)}`;
const refText = (r: ModelRef) => `${r.name}@${r.version}`;

export function createHttpClient(target: HttpTarget): CanaryClient {
  const call = (method: 'GET' | 'POST', path: string, options?: Parameters<typeof apiRequest>[3]) =>
    apiRequest(target, method, `api/v1/${path}`, options);
  return {
    mode: 'http',
    where: `the Canary API at ${target.baseUrl}`,
    async importPatterns(drafts, opts) {
      const body = drafts.map((d) => ({
        problem: d.problem,
        input: d.input,
        expect: d.expectation,
        polarity: d.polarity,
        source: d.source,
        notes: d.notes,
        ...(d.sourceRef === undefined ? {} : { sourceRef: d.sourceRef }),
      }));
      const res = (await call('POST', 'patterns', {
        body,
        query: { createProblems: opts.createProblems ? 'true' : undefined },
      })) as ImportOutcome;
      return { created: res.created, existing: res.existing, problemsCreated: res.problemsCreated ?? [] };
    },
    async exportPatterns(opts) {
      return (await call('GET', 'patterns/export', {
        query: { problem: opts.problem },
        accept: 'text',
      })) as string;
    },
    async registerModel(request) {
      return (await call('POST', 'models', { body: request })) as {
        id: number;
        evaluationId: number | null;
        warning?: string;
      };
    },
    async evaluateModel(r) {
      return (await call('POST', `models/${ref(r)}/evaluate`)) as { evaluationId: number };
    },
    async getEvaluation(id) {
      return (await call('GET', `evaluations/${id}`)) as EvaluationProgress;
    },
    async gate(input) {
      const baseline =
        input.baseline === undefined
          ? undefined
          : input.baseline === null
            ? 'none'
            : input.baseline === 'production'
              ? 'production'
              : refText(input.baseline);
      return (await call('GET', `models/${ref(input.model)}/gate`, {
        query: {
          baseline,
          strict: input.strict ? 'true' : undefined,
          ratings: input.ratings ? 'true' : undefined,
        },
      })) as GateReport;
    },
    async triage(opts) {
      const res = (await call('GET', 'observations/triage', { query: { limit: String(opts.limit) } })) as {
        groups: TriageGroup[];
      };
      return res.groups;
    },
    async observations(q) {
      return (await call('GET', 'observations', {
        query: {
          model: q.model ? refText(q.model) : undefined,
          rating: q.rating,
          status: q.status,
          limit: q.limit === undefined ? undefined : String(q.limit),
          cursor: q.cursor,
        },
      })) as { observations: Observation[]; nextCursor: string | null };
    },
    async report(r) {
      return (await call('GET', `models/${ref(r)}/report`)) as ModelReport;
    },
    async compare(a, b) {
      return (await call('GET', 'compare', { query: { a: refText(a), b: refText(b) } })) as ModelComparison;
    },
    async close() {},
  };
}
