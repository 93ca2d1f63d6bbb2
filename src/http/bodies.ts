import { z } from 'zod';
import { badRequest } from './errors.ts';

/**
 * Shapes of request bodies, checked at the edge so a number where text belongs is a 400, never a crash
 * further in. Meaning (is the title too long, is the host allowed) stays with the services.
 */

const thresholdValue = z.union([z.number(), z.string(), z.null()]);

export const createProblemBody = z.strictObject({
  title: z.string(),
  description: z.string().optional(),
  severity: z.string().optional(),
  threshold: thresholdValue.optional(),
  ownerId: z.string().nullable().optional(),
});

export const updateProblemBody = z.strictObject({
  title: z.string().optional(),
  description: z.string().optional(),
  severity: z.string().optional(),
  status: z.string().optional(),
  threshold: thresholdValue.optional(),
  ownerId: z.string().nullable().optional(),
});

/** POST /patterns/:id/suggestions: how many proposals, from which seed (both optional). */
export const suggestionsBody = z.strictObject({
  n: z.number().int().optional(),
  seed: z.number().int().optional(),
});

export const registerModelBody = z.strictObject({
  name: z.string().min(1),
  version: z.string().min(1),
  endpoint: z.looseObject({ adapter: z.string(), url: z.string() }),
  metrics: z.record(z.string(), z.number()).optional(),
  repeats: z.number().optional(),
  role: z.enum(['candidate', 'grader', 'embedder']).optional(),
  /** Evaluate a grader or embedder on the problems too. */
  evaluate: z.boolean().optional(),
});

export function parseBody<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.map(String).join('.') ?? '';
  if (issue?.code === 'unrecognized_keys') {
    const keys = (issue as { keys?: string[] }).keys ?? [];
    badRequest(
      `Unknown field${keys.length === 1 ? '' : 's'} ${keys.map((k) => `"${k}"`).join(', ')} in the request body.`,
      keys[0],
    );
  }
  const field = path === '' ? undefined : path;
  badRequest(`${field ? `${field}: ` : ''}${issue?.message ?? 'the request body is not valid'}.`, field);
}
