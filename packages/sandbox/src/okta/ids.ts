import { createHash, randomBytes } from 'node:crypto';

const ALPHANUMERIC = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Okta's 20-character ids: a 3-character type prefix (`00u`, `req`, `cen`, `0gg`, `pca`…) and 17 alphanumerics. */
export function oktaId(prefix: string): string {
  const bytes = randomBytes(17);
  let id = prefix;
  for (const byte of bytes) id += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  return id;
}

/** Task, approval-sequence and v1 request ids are 24 lowercase hex characters (Mongo-style). */
export function hexId(): string {
  return randomBytes(12).toString('hex');
}

/**
 * A fixed id for seeded data, readable in docs: the prefix, a slug, zero padding to 20 characters
 * (`00ualice000000000000`). Slugs are alphanumeric and at most 17 characters.
 */
export function seededId(prefix: string, slug: string): string {
  if (!/^[0-9a-zA-Z]{1,17}$/.test(slug)) throw new Error(`seed slug "${slug}" must be 1–17 alphanumerics`);
  return `${prefix}${slug}`.padEnd(20, '0');
}

/** A fixed 24-hex id for seeded data (approval sequences). */
export function seededHexId(slug: string): string {
  return createHash('sha256').update(slug).digest('hex').slice(0, 24);
}

/** A fixed uuid v4-shaped id for seeded requester fields. */
export function seededUuid(slug: string): string {
  const hex = createHash('sha256').update(`field:${slug}`).digest('hex');
  const variant = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
