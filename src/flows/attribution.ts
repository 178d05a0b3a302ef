import { z } from 'zod';
import type { AccessRequest, StepDecision } from '../domain/types.js';
import { getJson, type Store, setJson } from '../store/index.js';

/**
 * Who really decided a step. A backend acting on Gatehouse's admin credentials may record the
 * service account as the decider (Okta's admin task API does); Gatehouse remembers the verified
 * person, the surface and the reason, and shows those instead.
 */

const RETENTION_MS = 90 * 24 * 60 * 60_000;

const attribution = z.object({
  by: z.object({ id: z.string(), displayName: z.string().optional(), email: z.string().optional() }),
  decision: z.enum(['approve', 'reject']),
  at: z.string(),
  reason: z.string().optional(),
  via: z.string().optional(),
});

const key = (requestId: string, stepIndex: number) => `attribution:${requestId}:${stepIndex}`;

export async function rememberDecision(
  store: Store,
  requestId: string,
  stepIndex: number,
  decision: StepDecision & { via?: string },
): Promise<void> {
  await setJson(store, key(requestId, stepIndex), decision, { ttlMs: RETENTION_MS });
}

export async function forgetDecision(store: Store, requestId: string, stepIndex: number): Promise<void> {
  await store.delete(key(requestId, stepIndex));
}

/** The request with each decided step credited to the person Gatehouse verified, where it knows them. */
export async function withAttributions(store: Store, request: AccessRequest): Promise<AccessRequest> {
  const decided = request.steps.filter((step) => step.decision);
  if (decided.length === 0) return request;
  const known = await Promise.all(decided.map((step) => getJson(store, key(request.id, step.index), attribution)));
  const byIndex = new Map(decided.map((step, i) => [step.index, known[i]]));
  return {
    ...request,
    steps: request.steps.map((step) => {
      const remembered = byIndex.get(step.index);
      if (!step.decision || !remembered || remembered.decision !== step.decision.decision) return step;
      return {
        ...step,
        decision: { ...step.decision, by: remembered.by, reason: remembered.reason ?? step.decision.reason },
      };
    }),
  };
}
