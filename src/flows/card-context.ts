import { z } from 'zod';
import { currentPriority, withPriority } from '../api/governance.js';
import { GovernanceUnsupported } from '../domain/errors.js';
import {
  type AccessRequest,
  type ApprovalStep,
  currentStep,
  type RiskAssessment,
  type RiskConflict,
} from '../domain/types.js';
import { getJson, setJson } from '../store/index.js';
import type { FlowDeps } from './deps.js';
import { principalView, type RequesterContext, type RiskView } from './views.js';

/**
 * How long who-is-asking is reused: titles, departments and managers change seldom, and an
 * approver's cards are drawn again at every change, reminder and Home redraw.
 */
const REQUESTER_TTL_MS = 10 * 60_000;
/**
 * How long a grant's risk assessment is reused for one step of one request: the rules and what the
 * person holds rarely change while a request waits, and a new step is assessed afresh.
 */
const RISK_TTL_MS = 6 * 60 * 60_000;

const requesterKey = (personId: string) => `card-context:person:${personId}`;
const riskKey = (requestId: string, step: number) => `card-context:risk:${requestId}:${step}`;

const person = z.object({ id: z.string(), name: z.string(), email: z.string().optional() });
const cachedRequester = z.object({
  title: z.string().optional(),
  department: z.string().optional(),
  manager: person.optional(),
});
const cachedRisk = z.object({
  conflicts: z.array(z.object({ rule: z.string(), description: z.string().optional(), type: z.string() })),
});

/** What an approver's card adds about an open request, each part only where it could be read. */
export interface CardContextParts {
  waitingSince?: string;
  requesterContext?: RequesterContext;
  risk?: RiskView;
}

/**
 * Context on an approver's card (who is asking, since when it waits, the grant's risk), read from
 * the directory and the backend's risk assessment and kept in the store, so the notifier drawing the
 * same request for every approver and platform, and every redraw after, asks once. None of it may
 * keep a card from being drawn: what cannot be read is left out, and said in the log.
 */
export class CardContext {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: FlowDeps) {}

  /** The context of an open request's current step; nothing for a closed one or one decided elsewhere. */
  async of(request: AccessRequest): Promise<CardContextParts> {
    const step = currentStep(request);
    if (!step || request.approvalsHandledIn) return {};
    const [requesterContext, risk] = await Promise.all([
      this.quietly(request, 'requester context', () => this.requester(request.requestedFor.id)),
      this.quietly(request, 'risk assessment', () => this.risk(request, step)),
    ]);
    return {
      waitingSince: step.startedAt ?? request.created,
      ...(requesterContext && Object.keys(requesterContext).length > 0 ? { requesterContext } : {}),
      ...(risk ? { risk: riskView(risk) } : {}),
    };
  }

  /**
   * The backend's assessment of granting this request's entry to whom it is for, at this step; null
   * where the backend assesses no risk. Throws when it cannot be read (deciding says what then).
   */
  async risk(request: AccessRequest, step: Pick<ApprovalStep, 'index'>): Promise<RiskAssessment | null> {
    const { governance, store } = this.deps;
    const assess = governance.assessRisk?.bind(governance);
    if (!assess) return null;
    const key = riskKey(request.id, step.index);
    return this.once(key, async () => {
      const cached = await getJson(store, key, cachedRisk).catch(() => null);
      if (cached) return cached;
      const { id, displayName, email } = request.requestedFor;
      let assessment: RiskAssessment;
      try {
        assessment = await this.spent(() =>
          assess({
            // The assessment needs whom the grant is for; a request names them, not their whole record.
            principal: { id, displayName: displayName ?? '', email: email ?? '', active: true },
            entryId: request.entry.id,
          }),
        );
      } catch (err) {
        // The org has no assessment for this grant (the feature off, a scope not granted, a kind of
        // entry Okta does not assess): the card says nothing of risk, as for a backend without it.
        if (err instanceof GovernanceUnsupported) return null;
        throw err;
      }
      await setJson(store, key, assessment, { ttlMs: RISK_TTL_MS }).catch((err: unknown) =>
        this.deps.logger.warn({ err, requestId: request.id }, 'risk assessment not kept; the next card asks again'),
      );
      return assessment;
    });
  }

  private async requester(personId: string): Promise<RequesterContext> {
    const { governance, store } = this.deps;
    const key = requesterKey(personId);
    return this.once(key, async () => {
      const cached = await getJson(store, key, cachedRequester).catch(() => null);
      if (cached) return cached;
      const principal = await this.spent(() => governance.getPrincipal(personId));
      const manager = principal?.managerId
        ? await this.spent(() => governance.getPrincipal(principal.managerId as string)).catch((err: unknown) => {
            // The title and department are worth showing without the manager's name.
            this.deps.logger.debug({ err }, "requester's manager not read; the card leaves them out");
            return null;
          })
        : null;
      const context: RequesterContext = {
        ...(principal?.title ? { title: principal.title } : {}),
        ...(principal?.department ? { department: principal.department } : {}),
        ...(manager ? { manager: principalView(manager) } : {}),
      };
      await setJson(store, key, context, { ttlMs: REQUESTER_TTL_MS }).catch(() => undefined);
      return context;
    });
  }

  /**
   * A read for a card spends what a person's action spends when a person is waiting on it, and
   * gives way as background work when the notifier draws cards nobody is waiting for.
   */
  private spent<T>(read: () => Promise<T>): Promise<T> {
    return currentPriority() === 'person' ? read() : withPriority('background', read);
  }

  /** One read per key in this process at a time: the notifier draws a request for every platform at once. */
  private once<T>(key: string, read: () => Promise<T>): Promise<T> {
    const pending = this.inFlight.get(key);
    if (pending) return pending as Promise<T>;
    const started = read().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }

  private async quietly<T>(request: AccessRequest, what: string, read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (err) {
      this.deps.logger.warn({ err, requestId: request.id }, `${what} not read; the card is drawn without it`);
      return undefined;
    }
  }
}

function riskView(assessment: RiskAssessment): RiskView {
  return {
    conflicts: assessment.conflicts.map((conflict: RiskConflict) => ({
      rule: conflict.rule,
      ...(conflict.description ? { description: conflict.description } : {}),
    })),
    approveNeedsReason: assessment.conflicts.length > 0,
  };
}
