import { z } from 'zod';
import type { AccessRequest } from '../domain/types.js';

/**
 * A request as a shared reading keeps it in the store (shared-readings.ts), checked on the way
 * back: a value another release wrote, or a corrupt one, reads as absent and the request is read
 * again. Every field of AccessRequest is listed (the `satisfies` below fails the build otherwise),
 * so a field added to the domain is never dropped on the way through the store.
 */

const person = z.object({ id: z.string(), displayName: z.string().optional(), email: z.string().optional() });

const step = z.object({
  index: z.number(),
  taskId: z.string().optional(),
  name: z.string().optional(),
  status: z.enum(['waiting', 'pending', 'approved', 'rejected', 'skipped', 'expired', 'canceled']),
  startedAt: z.string().optional(),
  approvers: z.array(person),
  decision: z
    .object({
      by: person,
      decision: z.enum(['approve', 'reject']),
      at: z.string(),
      reason: z.string().optional(),
    })
    .optional(),
});

const comment = z.object({ id: z.string(), author: person, text: z.string(), created: z.string() });

const fields = {
  id: z.string(),
  status: z.enum(['submitted', 'pending', 'approved', 'rejected', 'denied', 'canceled', 'expired']),
  requestedFor: person,
  requester: person,
  entry: z.object({ id: z.string(), name: z.string() }),
  justification: z.string().optional(),
  accessDuration: z.string().optional(),
  created: z.string(),
  updated: z.string(),
  expiresAt: z.string().optional(),
  steps: z.array(step),
  totalSteps: z.number().optional(),
  comments: z.array(comment),
  grantStatus: z.enum(['pending', 'granted', 'failed', 'manual_grant_required']).optional(),
  revocationStatus: z.enum(['pending', 'revoked', 'failed']).optional(),
  revocationScheduled: z.string().optional(),
  portalUrl: z.string().optional(),
  approvalUrl: z.string().optional(),
  approvalsHandledIn: z.object({ system: z.string(), url: z.string().optional() }).optional(),
  closedUnreadIn: z.string().optional(),
} satisfies Record<keyof AccessRequest, z.ZodType>;

export const storedRequest: z.ZodType<AccessRequest> = z.object(fields);
