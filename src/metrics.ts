import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * One registry per running app (not prom-client's global one), so tests and several apps in one
 * process never collide on metric names.
 */
export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  governanceDuration: Histogram<'provider' | 'operation' | 'outcome'>;
  governanceRetries: Counter<'provider' | 'operation' | 'reason'>;
  /** 1 while calls to the backend are refused after repeated failures (the circuit is open). */
  governanceCircuitOpen: Gauge<'provider'>;
  /** Calls left in each rate-limit family's window, as last counted or said by the vendor. */
  governanceBudgetRemaining: Gauge<'provider' | 'family'>;
  governanceBudgetSpent: Counter<'provider' | 'family' | 'priority'>;
  /** Calls held back by the budget: `waited` (a person, until the reset), `yielded` (sync, background), `refused`. */
  governanceBudgetHeld: Counter<'provider' | 'family' | 'priority' | 'outcome'>;
  /** 429s the vendor answered, by the priority of the call that met it. */
  governanceRateLimitedMet: Counter<'provider' | 'family' | 'priority'>;
  chatDeliveries: Counter<'platform' | 'kind' | 'outcome'>;
  changeToChat: Histogram<'platform'>;
  /** Reads the notifier queue's depth when /metrics is scraped. */
  watchQueue(depth: () => Promise<Partial<Record<string, number>>>): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gatehouse_' });
  let queueDepth: (() => Promise<Partial<Record<string, number>>>) | undefined;
  new Gauge({
    name: 'gatehouse_notifier_queue_depth',
    help: 'Chat syncs waiting, delayed or running in the notifier queue, per platform',
    labelNames: ['platform'],
    registers: [registry],
    async collect() {
      const depth = await queueDepth?.().catch(() => undefined);
      for (const [platform, count] of Object.entries(depth ?? {})) this.set({ platform }, count ?? 0);
    },
  });
  return {
    watchQueue(depth) {
      queueDepth = depth;
    },
    registry,
    httpDuration: new Histogram({
      name: 'gatehouse_http_request_duration_seconds',
      help: 'Inbound HTTP request latency by route',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    governanceDuration: new Histogram({
      name: 'gatehouse_governance_call_duration_seconds',
      help: 'Governance backend calls by operation and outcome',
      labelNames: ['provider', 'operation', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    governanceRetries: new Counter({
      name: 'gatehouse_governance_retries_total',
      help: 'Governance HTTP attempts retried, by reason (rate_limited, unavailable)',
      labelNames: ['provider', 'operation', 'reason'],
      registers: [registry],
    }),
    governanceCircuitOpen: new Gauge({
      name: 'gatehouse_governance_circuit_open',
      help: 'Whether calls to the governance backend are paused after repeated failures (1) or flow (0)',
      labelNames: ['provider'],
      registers: [registry],
    }),
    governanceBudgetRemaining: new Gauge({
      name: 'gatehouse_governance_budget_remaining',
      help: 'Calls left in the current window of each governance rate-limit family (from the vendor where it says)',
      labelNames: ['provider', 'family'],
      registers: [registry],
    }),
    governanceBudgetSpent: new Counter({
      name: 'gatehouse_governance_budget_spent_total',
      help: 'Governance calls sent, by rate-limit family and priority (person, sync, background)',
      labelNames: ['provider', 'family', 'priority'],
      registers: [registry],
    }),
    governanceBudgetHeld: new Counter({
      name: 'gatehouse_governance_budget_held_total',
      help: 'Governance calls held back by the rate budget, by priority and outcome (waited, yielded, refused)',
      labelNames: ['provider', 'family', 'priority', 'outcome'],
      registers: [registry],
    }),
    governanceRateLimitedMet: new Counter({
      name: 'gatehouse_governance_rate_limited_total',
      help: 'Governance answers that were 429 (rate limit exceeded), by family and priority of the call',
      labelNames: ['provider', 'family', 'priority'],
      registers: [registry],
    }),
    chatDeliveries: new Counter({
      name: 'gatehouse_chat_deliveries_total',
      help: 'Chat messages about requests by platform, kind (approval, requester, channel, notice, update) and outcome',
      labelNames: ['platform', 'kind', 'outcome'],
      registers: [registry],
    }),
    changeToChat: new Histogram({
      name: 'gatehouse_change_to_chat_seconds',
      help: 'From a change in the governance system to chat showing it',
      labelNames: ['platform'],
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
      registers: [registry],
    }),
  };
}
