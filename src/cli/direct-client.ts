import { userInfo } from 'node:os';
import { serviceDeps } from '../compose.ts';
import type { Config } from '../config.ts';
import { toEndpointEnvelope } from '../core/model.ts';
import type { Database } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { ServiceDeps } from '../services/deps.ts';
import { getEvaluation } from '../services/evaluation/results.ts';
import {
  getModelByRef,
  refuseRetired,
  registerModel,
  restoreModel,
  retireModel,
} from '../services/models.ts';
import { listObservations } from '../services/observations.ts';
import { addPatterns, editPattern, setPatternActive } from '../services/patterns.ts';
import type { EvaluationScheduler } from '../services/ports.ts';
import { exportPatterns } from '../services/reporting/export-patterns.ts';
import { gateReport } from '../services/reporting/gate-report.ts';
import { compareModels, modelReport } from '../services/reports.ts';
import { suggestForPattern } from '../services/suggestions.ts';
import { triageQueue } from '../services/triage.ts';
import type { CanaryClient } from './client.ts';
import { CliFailure } from './failure.ts';

export interface DirectClientParts {
  database: Database;
  log: Logger;
  config: Config;
  /** Built on first use: reading and gating need no Redis, only queueing an evaluation does. */
  scheduler: () => Promise<{ scheduler: EvaluationScheduler; close: () => Promise<void> }>;
}

/** Runs the services in this process against the database (DATABASE_URL, or embedded PGlite). */
export function createDirectClient(parts: DirectClientParts): CanaryClient {
  let built: Promise<{ scheduler: EvaluationScheduler; close: () => Promise<void> }> | null = null;
  const scheduler: EvaluationScheduler = {
    async evaluateModel(input) {
      built ??= parts.scheduler();
      return (await built).scheduler.evaluateModel(input);
    },
    async backfillRevision(input) {
      built ??= parts.scheduler();
      return (await built).scheduler.backfillRevision(input);
    },
    async backfillAdd(input) {
      built ??= parts.scheduler();
      return (await built).scheduler.backfillAdd(input);
    },
  };
  // Whoever can open the database directly is an operator: recorded by login name.
  const actor = `cli:${userInfo().username}`;
  const deps: ServiceDeps = serviceDeps(parts.config, { db: parts.database.db, log: parts.log, scheduler });
  return {
    mode: 'direct',
    where: parts.database.describe,
    async importPatterns(drafts, opts) {
      const res = await addPatterns(deps, drafts, { createProblems: opts.createProblems });
      const created = res.items.filter((i) => i.status === 'created').length;
      return {
        sent: res.items.length,
        created,
        existing: res.items.length - created - res.repeats,
        repeats: res.repeats,
        items: res.items,
        problemsCreated: res.problemsCreated.map((p) => p.key),
      };
    },
    exportPatterns: (opts) => exportPatterns(deps, opts),
    async registerModel(request) {
      const { model, evaluationId, warning } = await registerModel(deps, {
        name: request.name,
        version: request.version,
        endpoint: toEndpointEnvelope(request.endpoint),
        metrics: request.metrics ?? {},
        ...(request.repeats === undefined ? {} : { repeats: request.repeats }),
        ...(request.role === undefined ? {} : { role: request.role }),
      });
      return { id: model.id, evaluationId, ...(warning ? { warning } : {}) };
    },
    async evaluateModel(ref) {
      const model = await getModelByRef(deps, ref);
      refuseRetired(model, 'be evaluated');
      return scheduler.evaluateModel({ modelId: model.id, trigger: 'ci', onlyMissing: true });
    },
    async getEvaluation(id) {
      const evaluation = await getEvaluation(deps, id);
      if (!evaluation)
        throw new CliFailure(`Direct mode: there is no evaluation ${id} in ${parts.database.describe}.`);
      return evaluation;
    },
    gate: (input) => gateReport(deps, input),
    report: (ref) => modelReport(deps, ref),
    async suggest(input) {
      const s = await suggestForPattern(deps, input);
      return {
        pattern: s.pattern.id,
        problem: s.problem.key,
        polarity: s.pattern.polarity,
        seed: s.seed,
        proposals: s.proposals,
      };
    },
    triage: (opts) => triageQueue(deps, opts),
    observations: (query) => listObservations(deps, query),
    compare: (a, b) => compareModels(deps, a, b),
    retireModel: async (ref) => ({ model: await retireModel(deps, ref, { by: actor }) }),
    restoreModel: (ref) => restoreModel(deps, ref, { by: actor }),
    setPatternActive: async (id, active) => ({
      pattern: await setPatternActive(deps, id, active, { by: actor }),
    }),
    editPattern: async (id, edit) => ({
      pattern: await editPattern(deps, id, {
        ...(edit.input === undefined ? {} : { input: edit.input }),
        ...(edit.expect === undefined ? {} : { expectation: edit.expect }),
        ...(edit.notes === undefined ? {} : { notes: edit.notes }),
        ...(edit.polarity === undefined ? {} : { polarity: edit.polarity }),
        editedBy: actor,
      }),
    }),
    async close() {
      if (built) await (await built).close().catch(() => {});
      await parts.database.close();
    },
  };
}
