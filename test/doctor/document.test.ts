import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAMILIES } from '../../src/doctor/okta-families.js';

/**
 * The roles and scopes the doctor quotes in its fixes are Okta's own: each governance family's
 * operation in the vendored document (packages/sandbox/vendor/okta-governance/openapi.yaml) names
 * them in `security` (OAuth2 scopes) and `x-okta-iam-admin-roles`. Read as text, one operation's
 * block at a time: parsing the 2.5 MB document would cost seconds.
 */

const VENDOR = join(import.meta.dirname, '../../packages/sandbox/vendor/okta-governance');
const documents = ['openapi.yaml', 'tasks-api.yaml'].map((name) => readFileSync(join(VENDOR, name), 'utf8'));

/** The lines of one operation, from its operationId to the next one. */
function operation(id: string): string[] {
  for (const text of documents) {
    const lines = text.split('\n');
    const start = lines.findIndex((line) => line.trim() === `operationId: ${id}`);
    if (start < 0) continue;
    const end = lines.findIndex((line, index) => index > start && line.trim().startsWith('operationId: '));
    return lines.slice(start, end < 0 ? undefined : end);
  }
  throw new Error(`no operation ${id} in the vendored documents`);
}

/** The `- item` lines under a key of the operation. */
function listUnder(lines: string[], key: RegExp): string[] {
  const at = lines.findIndex((line) => key.test(line.trim()));
  if (at < 0) return [];
  const items: string[] = [];
  for (const line of lines.slice(at + 1)) {
    const item = /^\s*-\s+([\w.]+)$/.exec(line);
    if (!item?.[1]) break;
    items.push(item[1]);
  }
  return items;
}

/** The operationId of the GET at this path. */
function getOperationOf(path: string): string | undefined {
  for (const text of documents) {
    const lines = text.split('\n');
    const at = lines.indexOf(`  ${path}:`);
    if (at < 0) continue;
    const get = lines.indexOf('    get:', at + 1);
    const id = lines.slice(get).find((line) => line.trim().startsWith('operationId: '));
    return id?.trim().slice('operationId: '.length);
  }
  return undefined;
}

describe("the doctor's Okta families", () => {
  for (const family of Object.values(FAMILIES).filter((f) => f.path.startsWith('/governance/'))) {
    it(`${family.name}: ${family.operation} is documented with the roles and scope the doctor quotes`, () => {
      const lines = operation(family.operation);
      expect(listUnder(lines, /^x-okta-iam-admin-roles:$/)).toEqual(family.roles);
      const scopes = listUnder(lines, /^- OAuth2:$/);
      // Our Tasks fragment names no security; the client's default scopes (config/governance.ts) do.
      if (scopes.length > 0) expect(scopes).toEqual([family.scope]);
      expect(getOperationOf(family.path)).toBe(family.operation);
    });
  }
});
