import { type Config, ConfigError, loadConfig, readSecretFiles } from '../config.js';
import { type Finding, ok, problem } from './finding.js';

const SUBJECT = 'configuration';

export type Loaded = { config: Readonly<Config>; finding: Finding } | { config?: undefined; findings: Finding[] };

/**
 * The configuration exactly as `npm start` reads it (loadConfig, the same variables and the same
 * refusals). A configuration Gatehouse would refuse is the first thing to fix, so its problems are
 * all the doctor reports; with nothing configured Gatehouse would run its sandbox, which has no
 * org to check.
 */
export function loadForDoctor(env: Record<string, string | undefined>): Loaded {
  let config: Readonly<Config>;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      return { findings: error.problems.map((text) => problem(SUBJECT, text)) };
    }
    throw error;
  }
  if (config.mode === 'sandbox') {
    return {
      findings: [
        problem(
          SUBJECT,
          'no Okta, PingOne, Slack or Teams settings found, so Gatehouse would run its sandbox and there is no org ' +
            'to check: set the variables README.md "Configuration" lists (OKTA_ORG_URL with OKTA_API_TOKEN or ' +
            'OKTA_CLIENT_ID and OKTA_PRIVATE_KEY, or PINGONE_TENANT_URL with its credentials) and run the doctor again.',
        ),
      ],
    };
  }
  return { config, finding: ok(SUBJECT, describe(config)) };
}

function describe(config: Readonly<Config>): string {
  const governance = config.governance;
  const polling = `polling every ${config.notifier.pollIntervalMs / 1000} s`;
  if (governance.provider === 'okta') {
    const auth =
      governance.auth.kind === 'ssws'
        ? 'an SSWS API token (OKTA_API_TOKEN)'
        : `the OAuth service app ${governance.auth.clientId} with private_key_jwt`;
    return `Gatehouse would start against the Okta org ${governance.orgUrl} with ${auth}, ${polling}.`;
  }
  const auth =
    governance.auth.kind === 'bearer'
      ? 'a fixed token (PINGONE_ACCESS_TOKEN)'
      : `the OAuth client ${governance.auth.clientId} (client credentials)`;
  return `Gatehouse would start against the PingOne tenant ${governance.tenantUrl} (realm ${governance.realm}) with ${auth}, ${polling}.`;
}

/**
 * Every value in the environment that may be a secret (tokens, secrets, passwords, keys, and what
 * their `_FILE` files hold), and the private key as the configuration unescaped it: what the
 * printer masks, whatever a line says.
 */
export function secretsOf(env: Record<string, string | undefined>, config?: Readonly<Config>): string[] {
  // Read again here, so a secret's file is masked even when the configuration was refused.
  const secrets = Object.entries({ ...env, ...readSecretFiles(env).values })
    .filter(([name, value]) => value && /(TOKEN|SECRET|PASSWORD|PRIVATE_KEY|_KEY|ASSERTION)$/.test(name))
    .map(([, value]) => value as string);
  const auth = config?.governance.auth;
  if (auth?.kind === 'private_key_jwt') secrets.push(auth.privateKey);
  return secrets;
}
