import { createGatehouse, type Gatehouse } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { SandboxUnavailable } from './server.js';

/**
 * `npm start`: load config, start the server, print where to look. Exits non-zero, with one
 * message and no stack, on bad config or on sandbox mode without its package.
 */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  let gatehouse: Gatehouse;
  try {
    gatehouse = await createGatehouse(config);
  } catch (error) {
    if (error instanceof SandboxUnavailable) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const { server, logger } = gatehouse;
  await server.listen({ port: config.server.port, host: config.server.host });
  await gatehouse.start();

  if (config.mode === 'sandbox') {
    const base = config.server.publicUrl;
    process.stdout.write(
      [
        '',
        ...box([
          'Gatehouse is running in SANDBOX MODE',
          'No Slack, Teams or governance settings were found, so every external',
          'service is an embedded emulation and the store is in memory.',
          'Its secrets are published: it listens on 127.0.0.1 only.',
        ]),
        `  Health:         ${base}/healthz   (readiness: ${base}/readyz)`,
        `  Metrics:        ${base}/metrics`,
        ...(config.governance.provider === 'okta'
          ? [
              `  Emulated Okta:  ${base}/sandbox/okta  (token: SSWS ${config.governance.auth.kind === 'ssws' ? config.governance.auth.token : '-'})`,
              `                  e.g. curl -H 'Authorization: SSWS gatehouse-sandbox-okta-token' '${base}/sandbox/okta/api/v1/users?search=profile.email%20eq%20%22alice@acme.example%22'`,
            ]
          : [
              `  Emulated PingOne: ${base}/sandbox/pingone  (token: Bearer ${config.governance.auth.kind === 'bearer' ? config.governance.auth.token : '-'})`,
              `                  e.g. curl -H 'Authorization: Bearer gatehouse-sandbox-pingone-token' '${base}/sandbox/pingone/openidm/managed/alpha_user?_queryFilter=mail%20eq%20%22alice@acme.example%22'`,
            ]),
        `  Slack events:   ${base}/slack/events  (signing secret: ${config.slack?.signingSecret ?? '-'})`,
        `  Emulated Slack: ${base}/sandbox/slack/api/<method>  (bot token: ${config.slack?.botToken ?? '-'})`,
        `                  e.g. curl -H 'Authorization: Bearer ${config.slack?.botToken ?? ''}' -d channel=C0APPROVALS ${base}/sandbox/slack/api/conversations.history`,
        `  Teams messages: ${base}/api/messages  (anonymous in sandbox mode)`,
        `  Emulated Teams: ${base}/sandbox/teams  (users: ${base}/sandbox/teams/users)`,
        '  Configure a real deployment with the variables in README.md.',
        '',
      ].join('\n'),
    );
  } else {
    logger.info({ port: config.server.port, provider: config.governance.provider }, 'Gatehouse started');
  }

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await gatehouse.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

function box(lines: string[]): string[] {
  const width = Math.max(...lines.map((line) => line.length)) + 2;
  return [
    `  ┌${'─'.repeat(width)}┐`,
    ...lines.map((line) => `  │ ${line.padEnd(width - 1)}│`),
    `  └${'─'.repeat(width)}┘`,
  ];
}

await main();
