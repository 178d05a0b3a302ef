/**
 * Which approvals channel a request's card goes to, per platform: the first rule whose pattern
 * matches the catalog entry's id or name wins, otherwise the platform's default channel
 * (APPROVALS_CHANNELS). A rule names channels only for the platforms it cares about; a platform it
 * leaves out falls through to the later rules and the default.
 */
export interface ApprovalRoute {
  /** What the pattern is tested against: the entry's id or its name (the resource people see). */
  field: 'entry' | 'resource';
  /** Case-insensitive; `*` matches any run of characters. */
  pattern: string;
  channels: Partial<Record<'slack' | 'teams', string>>;
}

/**
 * APPROVALS_ROUTES: rules separated by `;`, each `entry:<pattern>=<targets>` or
 * `resource:<pattern>=<targets>`, targets `platform:channel` separated by `,`. For example
 * `resource:GitHub*=slack:C0ENG,teams:19:eng@thread.tacv2; entry:ent-payroll=slack:C0FIN`.
 * Returns the rules, or the problems found.
 */
export function parseRoutes(text: string): { routes: ApprovalRoute[]; problems: string[] } {
  const routes: ApprovalRoute[] = [];
  const problems: string[] = [];
  for (const raw of text.split(';')) {
    const rule = raw.trim();
    if (!rule) continue;
    const eq = rule.indexOf('=');
    const head = eq < 0 ? rule : rule.slice(0, eq).trim();
    const colon = head.indexOf(':');
    const field = colon < 0 ? '' : head.slice(0, colon).trim().toLowerCase();
    const pattern = colon < 0 ? '' : head.slice(colon + 1).trim();
    if (eq < 0 || (field !== 'entry' && field !== 'resource') || !pattern) {
      problems.push(`APPROVALS_ROUTES rule "${rule}" must look like resource:GitHub*=slack:C0123`);
      continue;
    }
    const channels: ApprovalRoute['channels'] = {};
    for (const target of rule.slice(eq + 1).split(',')) {
      const at = target.indexOf(':');
      const platform = target.slice(0, at).trim().toLowerCase();
      const channel = target.slice(at + 1).trim();
      if (at < 0 || (platform !== 'slack' && platform !== 'teams') || !channel) {
        problems.push(`APPROVALS_ROUTES target "${target.trim()}" must be slack:<channel id> or teams:<channel id>`);
        continue;
      }
      channels[platform] = channel;
    }
    if (Object.keys(channels).length > 0) routes.push({ field, pattern, channels });
  }
  return { routes, problems };
}
