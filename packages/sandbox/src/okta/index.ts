/**
 * An emulated Okta org (Identity Governance access requests, catalog, tasks, grants; core users;
 * the OAuth token endpoint), faithful enough for a real Okta client to develop and test against.
 */
export type { Caller, ServiceApp, ServiceAppRegistration, TokenAnswer } from './auth.js';
export type { FaultSpec } from './faults.js';
export { type ApprovalRouting, createOktaOrg, OktaOrg, type OktaOrgOptions } from './org.js';
export { type OktaEmulatorOptions, oktaEmulator } from './plugin.js';
export { GENEROUS_RATE_LIMIT_PER_MINUTE, REAL_ORG_RATE_LIMITS } from './rate-limits.js';
export type {
  AccessRequestEventType,
  Actor,
  CallRecord,
  CatalogEntryRecord,
  GrantOutcome,
  GrantRecord,
  GroupRecord,
  MessageRecord,
  OktaEvent,
  RequestRecord,
  TaskRecord,
  UserRecord,
} from './records.js';
export { CATALOG_WORDS, generatedCatalog, SEED } from './seed.js';
export {
  clearSpecViolations,
  type SpecGuard,
  type SpecRule,
  type SpecViolation,
  specGuard,
  specViolations,
} from './spec-guard.js';
