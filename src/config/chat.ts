import type { Environment } from './environment.js';
import type { SlackConfig, TeamsConfig } from './types.js';

/** The chat platforms: Slack and Teams credentials, each problem named. */

export function slackConfig(vars: Environment, problems: string[]): SlackConfig | undefined {
  if (!vars.SLACK_SIGNING_SECRET && !vars.SLACK_BOT_TOKEN && !vars.SLACK_APP_TOKEN) return undefined;
  if (!vars.SLACK_SIGNING_SECRET) {
    problems.push('SLACK_SIGNING_SECRET is required with Slack: Gatehouse refuses unsigned Slack requests.');
  }
  if (!vars.SLACK_BOT_TOKEN) problems.push('SLACK_BOT_TOKEN (xoxb-…) is required with Slack.');
  else if (!vars.SLACK_BOT_TOKEN.startsWith('xoxb-')) problems.push('SLACK_BOT_TOKEN must be a bot token (xoxb-…).');
  if (vars.SLACK_APP_TOKEN && !vars.SLACK_APP_TOKEN.startsWith('xapp-')) {
    problems.push('SLACK_APP_TOKEN must be an app-level token (xapp-…) for Socket Mode.');
  }
  if (!vars.SLACK_SIGNING_SECRET || !vars.SLACK_BOT_TOKEN) return undefined;
  return {
    signingSecret: vars.SLACK_SIGNING_SECRET,
    botToken: vars.SLACK_BOT_TOKEN,
    appToken: vars.SLACK_APP_TOKEN,
    apiUrl: vars.SLACK_API_URL ?? 'https://slack.com/api',
    teamId: vars.SLACK_TEAM_ID,
    enterpriseId: vars.SLACK_ENTERPRISE_ID,
  };
}

export function teamsConfig(vars: Environment, problems: string[]): TeamsConfig | undefined {
  if (!vars.MICROSOFT_APP_ID && !vars.MICROSOFT_APP_PASSWORD && !vars.MICROSOFT_APP_TENANT_ID) return undefined;
  const appType = vars.MICROSOFT_APP_TYPE ?? 'MultiTenant';
  if (!vars.MICROSOFT_APP_ID) problems.push('MICROSOFT_APP_ID is required with Teams.');
  if (appType !== 'UserAssignedMSI' && !vars.MICROSOFT_APP_PASSWORD) {
    problems.push('MICROSOFT_APP_PASSWORD is required with Teams (unless MICROSOFT_APP_TYPE=UserAssignedMSI).');
  }
  // Gatehouse serves one organisation: activities from any other Microsoft 365 tenant are refused,
  // even with a multi-tenant bot registration, so the tenant is always required.
  if (!vars.MICROSOFT_APP_TENANT_ID) {
    problems.push(
      'MICROSOFT_APP_TENANT_ID is required with Teams: Gatehouse refuses activities from any other tenant.',
    );
  }
  if (!vars.MICROSOFT_APP_ID) return undefined;
  return {
    appId: vars.MICROSOFT_APP_ID,
    appPassword: vars.MICROSOFT_APP_PASSWORD,
    tenantId: vars.MICROSOFT_APP_TENANT_ID,
    appType,
  };
}
