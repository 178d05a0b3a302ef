/**
 * Where Gatehouse may send what it posts to Teams, with the bot's Entra token attached. An activity
 * names its `serviceUrl` and the Bot Framework token vouches for it (its `serviceurl` claim); the
 * allow-list below makes a forged or mistaken one harmless even if that check were ever bypassed.
 *
 * Microsoft's Teams service URLs (Microsoft Teams platform docs, "Proactive messages", and the
 * Agents SDK's TeamsServiceEndpoints):
 * - commercial and multi-geo: `https://smba.trafficmanager.net/<region>/` (`amer`, `emea`, `apac`,
 *   `in`, `teams`, `ch`, … — the path varies by region and tenant, the host does not);
 * - GCC: `https://smba.infra.gcc.teams.microsoft.com/teams`;
 * - GCC High: `https://smba.infra.gov.teams.microsoft.us/teams`;
 * - DoD: `https://smba.infra.dod.teams.microsoft.us/teams`.
 * Any path on these hosts is accepted, over HTTPS on the default port only. Teams operated by
 * 21Vianet is not listed: Gatehouse authenticates against the public Bot Framework cloud only.
 */
export const TEAMS_SERVICE_URL_HOSTS: readonly string[] = [
  'smba.trafficmanager.net',
  'smba.infra.gcc.teams.microsoft.com',
  'smba.infra.gov.teams.microsoft.us',
  'smba.infra.dod.teams.microsoft.us',
];

export type ServiceUrlPolicy = (serviceUrl: string | undefined) => boolean;

/**
 * `enforced` when Gatehouse authenticates Teams (an app id is configured, so outside sandbox
 * mode): then only Microsoft's hosts, or what the operator configured (`configured`, the sandbox's
 * connector stand-in), are accepted. Without authentication anything goes: sandbox mode talks to
 * its own stand-in and only listens on loopback.
 */
export function serviceUrlPolicy(options: { enforced: boolean; configured?: string }): ServiceUrlPolicy {
  if (!options.enforced) return () => true;
  const configured = options.configured ? parse(options.configured) : undefined;
  const configuredBase = configured ? withSlash(configured) : undefined;
  return (serviceUrl) => {
    const url = serviceUrl ? parse(serviceUrl) : undefined;
    if (!url || url.username || url.password) return false;
    if (configured && configuredBase && url.origin === configured.origin && withSlash(url).startsWith(configuredBase)) {
      return true;
    }
    return url.protocol === 'https:' && url.port === '' && TEAMS_SERVICE_URL_HOSTS.includes(url.hostname);
  };
}

function parse(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function withSlash(url: URL): string {
  return url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
}
