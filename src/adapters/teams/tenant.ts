import type { Activity } from 'botbuilder';

/**
 * Which Microsoft 365 tenant an activity comes from. Teams names it twice in the activity
 * (`conversation.tenantId`, `channelData.tenant.id`); a token issued by Entra names it a third time
 * (`tid`), and that one is authenticated. Tokens from the Bot Framework channel service (issuer
 * `https://api.botframework.com`, which is what Teams sends) carry no tenant claim at all (Bot
 * Framework maintainers, microsoft/botframework-sdk#6644: "It never has"), so the activity's fields
 * are then all there is. Whatever is named must agree: an activity that names two tenants is
 * refused rather than read one way.
 */
export const TENANT_CLAIM = 'tid';

/** What botbuilder's ClaimsIdentity offers (the authenticated request's identity, also on turnState). */
export interface Claims {
  getClaimValue(claimType: string): string | null;
}

export type TenantVerdict =
  | { ok: true; tenant: string | undefined }
  | {
      ok: false;
      /** `conflict`: the token and the activity's fields name different tenants; `other`: not the tenant served. */
      reason: 'conflict' | 'other';
      named: { claim?: string; conversation?: string; channelData?: string };
    };

export function tenantOf(
  activity: Pick<Partial<Activity>, 'conversation' | 'channelData'>,
  identity: Claims | undefined,
  served: string | undefined,
): TenantVerdict {
  const named = {
    claim: text(identity?.getClaimValue(TENANT_CLAIM)),
    conversation: text(activity.conversation?.tenantId),
    channelData: text((activity.channelData as { tenant?: { id?: unknown } } | undefined)?.tenant?.id),
  };
  const values = new Set([named.claim, named.conversation, named.channelData].filter(Boolean));
  if (values.size > 1) return { ok: false, reason: 'conflict', named };
  const tenant = named.claim ?? named.conversation ?? named.channelData;
  if (served && tenant !== served.toLowerCase()) return { ok: false, reason: 'other', named };
  return { ok: true, tenant };
}

/** Tenant ids are GUIDs: compared without regard to case. */
function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim().toLowerCase() : undefined;
}
