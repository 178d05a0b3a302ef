/**
 * Every secret the tests give Gatehouse outside sandbox mode, in one place so the log capture
 * (test/support/log-capture.ts) can prove none of them is ever written. Made up, but long and
 * distinctive enough that finding one in a log line cannot be a coincidence.
 */
export const TEST_SECRETS = Object.freeze({
  oktaApiToken: '00test-okta-api-token-not-real',
  slackSigningSecret: 'test-slack-signing-secret-not-real',
  slackBotToken: 'xoxb-test-bot-token-not-real',
  slackAppToken: 'xapp-1-test-app-token-not-real',
  teamsAppPassword: 'test-teams-app-password-not-real',
  pingoneClientSecret: 'test-pingone-client-secret-not-real',
  oktaEventHookSecret: 'test-okta-hook-secret-not-real',
  metricsToken: 'test-metrics-token-not-real',
});
