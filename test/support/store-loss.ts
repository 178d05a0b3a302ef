import type { OktaOrg } from '@gatehouse/sandbox/okta';
import { eventually } from './eventually.js';
import type { RedisServer } from './redis-server.js';

/**
 * Runs `act` and stops Redis (keeping its data) while Okta holds the POST it sends to `path` for
 * 1.5 s: Okta records the change, and Gatehouse can no longer note it. Resolves with what `act` did.
 */
export async function loseRedisWhileOktaWrites<T>(
  okta: OktaOrg,
  redis: RedisServer,
  path: RegExp,
  act: () => Promise<T>,
): Promise<T> {
  okta.faults.add({ kind: 'delay', method: 'POST', path, ms: 1_500 });
  const calls = okta.calls.length;
  const acted = act();
  await eventually(() => okta.calls.slice(calls).some((call) => call.method === 'POST' && path.test(call.path)));
  await redis.stop({ keepData: true });
  return acted;
}
