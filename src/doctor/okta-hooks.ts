import { z } from 'zod';
import type { Config } from '../config.js';
import { type Finding, ok, problem, unchecked } from './finding.js';
import { oktaSays, type Probe } from './okta-probe.js';

const SUBJECT = 'event hook';

/** Where Gatehouse serves Okta's event hooks (src/notifier/okta-hook.ts). */
export const HOOK_PATH = '/hooks/okta';

/** The header Gatehouse reads the hook's secret from (src/notifier/okta-hook.ts). */
const AUTH_HEADER = 'authorization';

/**
 * The event types that reach chat at once when subscribed (Okta's event-type catalogue; all are
 * event-hook eligible). Gatehouse reads every `access.request.*` event; `update` (Okta 2026.05.0)
 * is the only one that tells of a step decided mid-sequence, which without it reaches chat at the
 * next poll, so an org that cannot subscribe to it yet still passes.
 */
export const ACCESS_REQUEST_EVENTS = [
  'access.request.create',
  'access.request.resolve',
  'access.request.reject',
  'access.request.cancel',
  'access.request.expire',
  'access.request.update',
] as const;
const RECENT = 'access.request.update';

/** The scope that lets an OAuth app list event hooks. */
export const EVENT_HOOKS_SCOPE = 'okta.eventHooks.read';

/** Okta's event hook object (management API, /api/v1/eventHooks), what the doctor reads of it. */
const eventHook = z
  .object({
    id: z.string(),
    name: z.string().nullish(),
    status: z.string().nullish(),
    verificationStatus: z.string().nullish(),
    events: z
      .object({ items: z.array(z.string()).nullish() })
      .loose()
      .nullish(),
    channel: z
      .object({
        config: z
          .object({
            uri: z.string().nullish(),
            authScheme: z.object({ type: z.string().nullish(), key: z.string().nullish() }).loose().nullish(),
          })
          .loose()
          .nullish(),
      })
      .loose()
      .nullish(),
  })
  .loose();
export const eventHookList = z.array(eventHook);
type EventHook = z.infer<typeof eventHook>;

/** What Gatehouse's own settings say about the hook, before asking Okta anything. */
export function hookSettings(config: Readonly<Config>): { url: string } | { finding: Finding } {
  const events = ACCESS_REQUEST_EVENTS.join(', ');
  const url = `${config.server.publicUrl}${HOOK_PATH}`;
  if (!config.notifier.oktaEventHookSecret) {
    return {
      finding: unchecked(
        SUBJECT,
        'not set up: OKTA_EVENT_HOOK_SECRET is unset, so Gatehouse serves no /hooks/okta and finds changes by ' +
          `polling every ${config.notifier.pollIntervalMs / 1000} s. To hear of them at once, set it (openssl rand -hex 32) ` +
          `and create an Okta event hook to ${url} with that value in the header Authorization, subscribed to ${events}.`,
      ),
    };
  }
  if (!config.server.publicUrl.startsWith('https://')) {
    return {
      finding: problem(
        SUBJECT,
        `PUBLIC_URL is ${config.server.publicUrl}, which Okta cannot deliver to: Okta sends event hooks only to a ` +
          `public https URL. Set PUBLIC_URL to where Okta reaches Gatehouse, or unset OKTA_EVENT_HOOK_SECRET to rely on polling.`,
      ),
    };
  }
  return { url };
}

/** The hook Okta has for Gatehouse's URL, if the credentials may read the org's hooks. */
export function hookFinding(url: string, hooks: Probe<EventHook[]> | { kind: 'scope-refused' }): Finding {
  const byHand =
    `check by hand in Admin Console > Workflow > Event Hooks that a hook sends to ${url}, is Active and Verified, ` +
    `subscribes to ${ACCESS_REQUEST_EVENTS.join(', ')}, and has the authentication field Authorization with ` +
    'OKTA_EVENT_HOOK_SECRET as its secret.';
  switch (hooks.kind) {
    case 'scope-refused':
      return unchecked(SUBJECT, `not checked: the service app is not granted ${EVENT_HOOKS_SCOPE}; ${byHand}`);
    case 'answered':
      return judge(url, hooks.body, byHand);
    case 'refused':
      return unchecked(
        SUBJECT,
        `not checked: Okta answered ${oktaSays(hooks)} to GET /api/v1/eventHooks (${
          hooks.status === 403 ? 'these credentials may not read event hooks' : 'event hooks could not be listed'
        }); ${byHand}`,
      );
    case 'rate-limited':
      return unchecked(SUBJECT, `not checked: the event hooks read was rate limited; ${byHand}`);
    case 'unreadable':
      return unchecked(SUBJECT, `not checked: GET /api/v1/eventHooks answered something unreadable; ${byHand}`);
    case 'unreachable':
    case 'no-token':
      return unchecked(SUBJECT, `not checked: no answer from Okta (see the lines above); ${byHand}`);
  }
}

function judge(url: string, hooks: readonly EventHook[], byHand: string): Finding {
  const ours = hooks.filter((hook) => sameUrl(hook.channel?.config?.uri, url));
  if (ours.length === 0) {
    const elsewhere = hooks
      .map((hook) => hook.channel?.config?.uri)
      .filter((uri): uri is string => Boolean(uri && new URL(uri, url).pathname.endsWith(HOOK_PATH)));
    const hint =
      elsewhere.length > 0
        ? ` (${elsewhere.join(', ')} ${elsewhere.length > 1 ? 'end' : 'ends'} in ${HOOK_PATH}: point it at ${url})`
        : '';
    return problem(
      SUBJECT,
      `no event hook of this org sends to ${url}${hint}: create one in Admin Console > Workflow > Event Hooks with ` +
        `that URL, the authentication field Authorization with OKTA_EVENT_HOOK_SECRET as its secret, and the events ` +
        `${ACCESS_REQUEST_EVENTS.join(', ')}; then Verify it while Gatehouse runs.`,
    );
  }
  const verdicts = ours.map((hook) => ({ hook, faults: faultsOf(hook) }));
  const good = verdicts.find(({ faults }) => faults.length === 0);
  if (good) {
    const subscribed = new Set(good.hook.events?.items ?? []);
    const later = subscribed.has(RECENT)
      ? ''
      : ` It does not subscribe to ${RECENT} (Okta 2026.05 and later): steps decided mid-sequence reach chat at the next poll.`;
    return ok(
      SUBJECT,
      `"${good.hook.name ?? good.hook.id}" sends to ${url}, is active and verified, and sends the header Authorization ` +
        `(Okta does not show its value; Gatehouse answers 401 if it differs from OKTA_EVENT_HOOK_SECRET).${later}`,
    );
  }
  const [first] = verdicts;
  if (!first) return unchecked(SUBJECT, byHand);
  return problem(SUBJECT, `"${first.hook.name ?? first.hook.id}" sends to ${url}, but ${first.faults.join('; ')}.`);
}

function faultsOf(hook: EventHook): string[] {
  const faults: string[] = [];
  if (hook.status !== 'ACTIVE') faults.push(`it is ${hook.status ?? 'not active'}: activate it`);
  if (hook.verificationStatus !== 'VERIFIED') {
    faults.push(`it is ${hook.verificationStatus ?? 'not verified'}: press Verify while Gatehouse runs at that URL`);
  }
  const subscribed = new Set(hook.events?.items ?? []);
  const missing = ACCESS_REQUEST_EVENTS.filter((type) => type !== RECENT && !subscribed.has(type));
  if (missing.length > 0) faults.push(`it does not subscribe to ${missing.join(', ')}: add them`);
  const scheme = hook.channel?.config?.authScheme;
  if (!scheme?.key || scheme.key.toLowerCase() !== AUTH_HEADER || (scheme.type && scheme.type !== 'HEADER')) {
    faults.push(
      `it sends its secret in ${scheme?.key ? `the header ${scheme.key}` : 'no header'}, and Gatehouse reads it ` +
        'from Authorization: set the authentication field to Authorization, with OKTA_EVENT_HOOK_SECRET as its secret',
    );
  }
  return faults;
}

function sameUrl(uri: string | null | undefined, url: string): boolean {
  return Boolean(uri) && uri?.replace(/\/+$/, '').toLowerCase() === url.toLowerCase();
}
