import { z } from 'zod';
import { LOG_LEVELS } from './types.js';

/** The environment variables Gatehouse reads, parsed and checked one by one with zod. */

/** Variables whose presence means "this is a real deployment". */
export const REAL_SETTINGS = [
  'GOVERNANCE_PROVIDER',
  'OKTA_ORG_URL',
  'OKTA_API_TOKEN',
  'OKTA_CLIENT_ID',
  'OKTA_PRIVATE_KEY',
  'PINGONE_TENANT_URL',
  'PINGONE_ACCESS_TOKEN',
  'PINGONE_CLIENT_ID',
  'PINGONE_CLIENT_SECRET',
  'PINGONE_PERSON_CLIENT_ID',
  'PINGONE_PERSON_PRIVATE_KEY',
  'SLACK_SIGNING_SECRET',
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'MICROSOFT_APP_ID',
  'MICROSOFT_APP_PASSWORD',
] as const;

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const url = (name: string) =>
  z
    .string()
    .trim()
    .refine((value) => /^https?:\/\/[^\s/]+/.test(value) && URL.canParse(value), `${name} must be an http(s) URL`)
    .transform((value) => value.replace(/\/+$/, ''));

/** `30m`, `4h`, `2d` or plain milliseconds. */
const duration = (name: string) =>
  z
    .string()
    .trim()
    .transform((value, ctx) => {
      const ms = parseDurationMs(value);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a duration like 30m, 4h or 2d (got "${value}")` });
        return z.NEVER;
      }
      return ms;
    });

/** `off` (or `none`) as null: the feature turned off; anything else as `schema` reads it. */
const offOr = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .trim()
    .transform((value, ctx): z.output<T> | null => {
      if (/^(off|none)$/i.test(value)) return null;
      const parsed = schema.safeParse(value);
      if (parsed.success) return parsed.data;
      for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message });
      return z.NEVER;
    });

/** A time zone this runtime knows by its IANA name. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const environment = z.object({
  PORT: z.coerce
    .number({ error: 'PORT must be a port number from 0 to 65535' })
    .int('PORT must be a port number from 0 to 65535')
    .min(0, 'PORT must be a port number from 0 to 65535')
    .max(65535, 'PORT must be a port number from 0 to 65535')
    .default(3000),
  HOST: optionalText,
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  PUBLIC_URL: url('PUBLIC_URL').optional(),
  GOVERNANCE_PROVIDER: z.enum(['okta', 'pingone']).optional(),
  OKTA_ORG_URL: url('OKTA_ORG_URL').optional(),
  OKTA_API_TOKEN: optionalText,
  OKTA_CLIENT_ID: optionalText,
  OKTA_PRIVATE_KEY: optionalText,
  OKTA_PRIVATE_KEY_ID: optionalText,
  OKTA_SCOPES: optionalText,
  PINGONE_TENANT_URL: url('PINGONE_TENANT_URL').optional(),
  PINGONE_ACCESS_TOKEN: optionalText,
  PINGONE_CLIENT_ID: optionalText,
  PINGONE_CLIENT_SECRET: optionalText,
  PINGONE_TOKEN_URL: url('PINGONE_TOKEN_URL').optional(),
  PINGONE_SCOPES: optionalText,
  PINGONE_SERVICE_ACCOUNT_ID: optionalText,
  PINGONE_PERSON_CLIENT_ID: optionalText,
  PINGONE_PERSON_CLIENT_SECRET: optionalText,
  PINGONE_PERSON_ISSUER: optionalText,
  PINGONE_PERSON_PRIVATE_KEY: optionalText,
  PINGONE_PERSON_KEY_ID: optionalText,
  PINGONE_PERSON_SCOPES: optionalText,
  PINGONE_ADMIN_DECIDES: z
    .enum(['true', 'false'], { error: 'PINGONE_ADMIN_DECIDES is true or false' })
    .transform((value) => value === 'true')
    .optional(),
  PINGONE_REALM: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9]{0,30}$/, 'PINGONE_REALM is a realm name like alpha or bravo')
    .default('alpha'),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_BOT_TOKEN: optionalText,
  SLACK_APP_TOKEN: optionalText,
  SLACK_API_URL: url('SLACK_API_URL').optional(),
  SLACK_TEAM_ID: z
    .string()
    .trim()
    .regex(/^T[A-Z0-9]{2,}$/, 'SLACK_TEAM_ID is a workspace id like T0123ABCD')
    .optional(),
  SLACK_ENTERPRISE_ID: z
    .string()
    .trim()
    .regex(/^E[A-Z0-9]{2,}$/, 'SLACK_ENTERPRISE_ID is an Enterprise Grid org id like E0123ABCD')
    .optional(),
  METRICS_TOKEN: optionalText,
  MICROSOFT_APP_ID: optionalText,
  MICROSOFT_APP_PASSWORD: optionalText,
  MICROSOFT_APP_TENANT_ID: optionalText,
  MICROSOFT_APP_TYPE: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).optional(),
  REDIS_URL: z
    .string()
    .trim()
    .refine((value) => /^rediss?:\/\//.test(value), 'REDIS_URL must start with redis:// or rediss://')
    .optional(),
  APPROVALS_CHANNELS: optionalText,
  APPROVALS_ROUTES: optionalText,
  ACCESS_EXPIRY_WARNINGS: optionalText,
  CHAT_RATE_SCALE: z.coerce.number().positive('CHAT_RATE_SCALE must be a positive number').max(1000).default(1),
  REDIS_KEY_PREFIX: z
    .string()
    .trim()
    .regex(/^[\w.-]{1,64}$/, 'REDIS_KEY_PREFIX may use letters, digits, ".", "_" and "-" (at most 64)')
    .default('gatehouse'),
  // "requests=15,catalogs=25": calls a minute by the vendor's rate-limit family, where the org's
  // headers are not the whole story (Okta gives an OAuth app half of an endpoint's limit by default).
  GOVERNANCE_RATE_LIMITS: z
    .string()
    .trim()
    .regex(
      /^[a-z][\w-]*=\d{1,6}(\s*,\s*[a-z][\w-]*=\d{1,6})*$/,
      'GOVERNANCE_RATE_LIMITS takes family=calls-a-minute pairs separated by commas, e.g. requests=15,catalogs=25',
    )
    .transform((text) =>
      Object.fromEntries(
        text.split(',').map((pair) => {
          const [family, calls] = pair.split('=').map((part) => part.trim());
          return [family ?? '', Number(calls)];
        }),
      ),
    )
    .optional(),
  CATALOG_CACHE_SECONDS: z.coerce
    .number()
    .int()
    // Each refresh reads a person's whole catalog again: at 0 every keystroke would.
    .min(30, 'CATALOG_CACHE_SECONDS must be at least 30: each refresh reads the person’s whole catalog again')
    .max(3600, 'CATALOG_CACHE_SECONDS must be at most 3600')
    // A person's whole catalog is read once and searched locally; every refresh costs its calls again.
    .default(300),
  POLL_INTERVAL_MS: z.coerce.number().int().min(1000, 'POLL_INTERVAL_MS must be at least 1000').default(30_000),
  // Reminders are on by default: first after 4 h (the same working day), every 24 h after, at most
  // 3, then the step is escalated one interval after the last. `off` turns each part off.
  // Unset: the default in notifier.ts (4 h), so `reminderAfterMs` still says whether it was set.
  REMINDER_AFTER: offOr(duration('REMINDER_AFTER')).optional(),
  REMINDER_EVERY: duration('REMINDER_EVERY')
    .refine((ms) => ms >= 60_000, 'REMINDER_EVERY must be at least 1m')
    .default(24 * 3_600_000),
  REMINDER_COUNT: z.coerce
    .number({ error: 'REMINDER_COUNT must be a whole number from 0 to 10' })
    .int('REMINDER_COUNT must be a whole number from 0 to 10')
    .min(0, 'REMINDER_COUNT must be a whole number from 0 to 10')
    .max(10, 'REMINDER_COUNT must be a whole number from 0 to 10')
    .default(3),
  ESCALATE_AFTER: offOr(duration('ESCALATE_AFTER')).optional(),
  // `manager` (the approver's, else the approvals channel), `channel` (the approvals channel), a
  // channel per platform (slack:C0123,teams:19:…@thread.tacv2) or `off`; parsed in notifier.ts.
  ESCALATE_TO: z.string().trim().default('manager'),
  REMINDER_QUIET_HOURS: offOr(
    z
      .string()
      .trim()
      .regex(
        /^([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)$/,
        'REMINDER_QUIET_HOURS must look like 20:00-08:00 (local time of the recipient), or off',
      )
      .transform((text) => {
        const [from = '', to = ''] = text.split('-').map((part) => part.trim());
        const minutes = (hhmm: string) => {
          const [h = '0', m = '0'] = hhmm.split(':');
          return Number(h) * 60 + Number(m);
        };
        return { fromMinute: minutes(from), toMinute: minutes(to) };
      }),
  ).default({ fromMinute: 20 * 60, toMinute: 8 * 60 }),
  REMINDER_QUIET_WEEKENDS: z
    .enum(['true', 'false'], { error: 'REMINDER_QUIET_WEEKENDS must be true or false' })
    .transform((value) => value === 'true')
    .default(true),
  REMINDER_TIME_ZONE: z
    .string()
    .trim()
    .refine(isTimeZone, 'REMINDER_TIME_ZONE must be an IANA time zone such as UTC or Europe/Berlin')
    .default('UTC'),
  OKTA_EVENT_HOOK_SECRET: optionalText,
  SANDBOX_PROVIDER: z.enum(['okta', 'pingone']).default('okta'),
});

export type Environment = z.infer<typeof environment>;

/** What PUBLIC_URL must look like where Slack, Teams and Okta reach it. */
const PUBLIC_URL_OUTSIDE_SANDBOX =
  'PUBLIC_URL must be an https:// URL outside sandbox mode, e.g. https://gatehouse.example.com';

/**
 * Parses every variable on its own, so one malformed value does not hide the others or what is
 * missing: a malformed variable is named in `problems`, listed in `malformed`, and read as unset.
 */
export function parseEnvironment(
  present: Record<string, string | undefined>,
  mode: 'sandbox' | 'production',
): { vars: Environment; problems: string[]; malformed: string[] } {
  const vars: Record<string, unknown> = {};
  const problems: string[] = [];
  const malformed: string[] = [];
  for (const [name, schema] of Object.entries(environment.shape)) {
    const parsed = schema.safeParse(present[name]);
    if (parsed.success) {
      vars[name] = parsed.data;
      continue;
    }
    malformed.push(name);
    vars[name] = schema.parse(undefined);
    if (name === 'PUBLIC_URL' && mode === 'production') {
      problems.push(PUBLIC_URL_OUTSIDE_SANDBOX);
      continue;
    }
    for (const issue of parsed.error.issues) {
      problems.push(issue.message.includes(name) ? issue.message : `${name}: ${issue.message}`);
    }
  }
  return { vars: vars as Environment, problems, malformed };
}

export function splitList(value: string, separator: string | RegExp = /[\s,]+/): string[] {
  return value
    .split(separator)
    .map((item) => item.trim())
    .filter(Boolean);
}

export function parseDurationMs(value: string): number | undefined {
  const match = /^(\d+)\s*(ms|s|m|h|d)?$/i.exec(value.trim());
  if (!match?.[1]) return undefined;
  const unit = (match[2] ?? 'ms').toLowerCase();
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit] ?? 1;
  return Number(match[1]) * factor;
}
