import type { Model } from '../core/model.ts';
import { formatModelRef, type ModelRef } from '../core/model.ts';
import type { Pattern } from '../core/pattern.ts';
import type { Observation } from '../services/observations.ts';
import type { GateReport } from '../services/reporting/gate-report.ts';
import type { TriageGroup } from '../services/triage.ts';
import type {
  CanaryClient,
  EvaluationProgress,
  ImportOutcome,
  ModelComparison,
  ModelReport,
  SuggestionList,
} from './client.ts';
import { apiRequest, type HttpTarget } from './http-request.ts';

const ref = (r: ModelRef) => `${encodeURIComponent(r.name)}/${encodeURIComponent(r.version)}`;

export function createHttpClient(target: HttpTarget): CanaryClient {
  const call = (method: 'GET' | 'POST' | 'PATCH', path: string, options?: Parameters<typeof apiRequest>[3]) =>
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
        ...(d.derivedFrom === undefined
          ? {}
          : { derivedFrom: { pattern: d.derivedFrom.patternId, perturbation: d.derivedFrom.perturbation } }),
      }));
      const res = (await call('POST', 'patterns', {
        body,
        query: { createProblems: opts.createProblems ? 'true' : undefined },
      })) as ImportOutcome;
      return {
        sent: res.sent,
        created: res.created,
        existing: res.existing,
        repeats: res.repeats,
        items: res.items,
        problemsCreated: res.problemsCreated ?? [],
      };
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
              : formatModelRef(input.baseline);
      return (await call('GET', `models/${ref(input.model)}/gate`, {
        query: {
          baseline,
          strict: input.strict ? 'true' : undefined,
          requireEvidence: input.requireEvidence ? 'true' : undefined,
          ratings: input.ratings ? 'true' : undefined,
        },
      })) as GateReport;
    },
    async suggest({ patternId, ...body }) {
      return (await call('POST', `patterns/${patternId}/suggestions`, { body })) as SuggestionList;
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
          model: q.model ? formatModelRef(q.model) : undefined,
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
      return (await call('GET', 'compare', {
        query: { a: formatModelRef(a), b: formatModelRef(b) },
      })) as ModelComparison;
    },
    async retireModel(r) {
      return (await call('POST', `models/${ref(r)}/retire`)) as { model: Model };
    },
    async restoreModel(r) {
      return (await call('POST', `models/${ref(r)}/restore`)) as {
        model: Model;
        evaluationId: number | null;
        warning?: string;
      };
    },
    async setPatternActive(id, active) {
      return (await call('POST', `patterns/${id}/${active ? 'reactivate' : 'deactivate'}`)) as {
        pattern: Pattern;
      };
    },
    async editPattern(id, edit) {
      return (await call('PATCH', `patterns/${id}`, { body: edit })) as { pattern: Pattern };
    },
    async close() {},
  };
}
