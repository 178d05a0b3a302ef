import { z } from 'zod';
import { oktaErrorBody } from '../api/okta/errors.js';
import { type Finding, ok, problem } from './finding.js';

const SUBJECT = 'Okta org';

/** Okta's public description of an org (no credentials needed). */
const WELL_KNOWN = '/.well-known/okta-organization';
const organization = z.object({ id: z.string(), pipeline: z.string().optional() }).loose();

/**
 * Whether OKTA_ORG_URL answers, and answers as Okta: its public organization document, or failing
 * that an Okta-shaped answer (Okta's error object or its request-id header). No credentials are
 * sent, so there is nothing to reuse from the client here.
 */
export async function orgFinding(orgUrl: string, timeoutMs: number): Promise<Finding> {
  const host = new URL(orgUrl).hostname;
  if (/-admin\./i.test(host)) {
    return problem(
      SUBJECT,
      `OKTA_ORG_URL names the Admin Console (${host}); set it to the org's own URL, ${orgUrl.replace(/-admin\./i, '.')}.`,
    );
  }
  let response: Response;
  try {
    response = await fetch(`${orgUrl}${WELL_KNOWN}`, {
      headers: { accept: 'application/json', 'user-agent': 'gatehouse-doctor/0.1' },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
  } catch (error) {
    return problem(
      SUBJECT,
      `${orgUrl} does not answer (${networkReason(error)}): check OKTA_ORG_URL (https://<your-org>.okta.com, or your ` +
        'custom domain) and that this machine may reach it (DNS, proxy, firewall).',
    );
  }
  const text = await response.text().catch(() => '');
  const json = parse(text);
  const org = organization.safeParse(json);
  if (response.ok && org.success) {
    return ok(SUBJECT, `${orgUrl} answers as an Okta org (org id ${org.data.id}).`);
  }
  const oktaShaped =
    response.headers.has('x-okta-request-id') ||
    (oktaErrorBody.safeParse(json).success && typeof (json as { errorCode?: unknown })?.errorCode === 'string');
  if (oktaShaped) return ok(SUBJECT, `${orgUrl} answers as Okta.`);
  if (response.status >= 300 && response.status < 400) {
    return problem(
      SUBJECT,
      `${orgUrl} redirects (HTTP ${response.status} to ${response.headers.get('location') ?? '?'}) instead of ` +
        'answering as an Okta org: set OKTA_ORG_URL to the address it redirects to, if that is your org.',
    );
  }
  const type = response.headers.get('content-type')?.split(';')[0] ?? 'no content type';
  return problem(
    SUBJECT,
    `${orgUrl} answers (HTTP ${response.status}, ${type}) but not as an Okta org: set OKTA_ORG_URL to your org's ` +
      'URL, such as https://acme.okta.com.',
  );
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** ECONNREFUSED, ENOTFOUND, "timed out"…: the reason a connection failed, without the URL's query. */
export function networkReason(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
