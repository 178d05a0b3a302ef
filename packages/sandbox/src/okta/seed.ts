import { seededHexId, seededId, seededUuid } from './ids.js';
import type {
  AccessDurationSettings,
  ApprovalStep,
  CatalogEntryRecord,
  EntryLabel,
  GrantOutcome,
  GrantRecord,
  GroupRecord,
  RequestCondition,
  UserRecord,
} from './records.js';

// Over 400 lines because it is data: the Acme company (people, apps, access levels, conditions and
// approval sequences) in one declarative table, read top to bottom like the org it describes.

/**
 * Acme, the seeded company: who works there, who approves what, and what can be requested. Ids are
 * fixed so docs and tests can name them (`SEED.users.alice.id`, `SEED.entries.salesforceAdmin.id`).
 */

const DOMAIN = 'acme.example';
const SEEDED_AT = '2024-01-08T09:00:00.000Z';

const userRef = (slug: string, local: string) => ({ id: seededId('00u', slug), email: `${local}@${DOMAIN}` });
const groupRef = (slug: string, name: string) => ({ id: seededId('00g', slug), name });
const entryRef = (slug: string, name: string) => ({ id: seededId('cen', slug), name });
const appRef = (slug: string) => seededId('0oa', slug);

export const SEED = {
  domain: DOMAIN,
  /** The org's own id (`00o…`), as Okta's ORNs name it (`orn:okta:directory:<orgId>:users:<userId>`). */
  orgId: seededId('00o', 'acme'),
  apiToken: 'gatehouse-sandbox-okta-token',
  /** The email two users share: Okta allows duplicate `profile.email` across different logins. */
  ambiguousEmail: `ambiguous@${DOMAIN}`,
  users: {
    /** The SSWS token's owner: the actor of every admin action taken with that token. */
    service: userRef('gatehousesvc', 'gatehouse-svc'),
    alice: userRef('alice', 'alice'),
    bob: userRef('bob', 'bob'),
    carol: userRef('carol', 'carol'),
    dana: userRef('dana', 'dana'),
    erin: userRef('erin', 'erin'),
    frank: userRef('frank', 'frank'),
    grace: userRef('grace', 'grace'),
    henry: userRef('henry', 'henry'),
    /** SUSPENDED: can request nothing. */
    ivan: userRef('ivan', 'ivan'),
    /** Login jordan.lee@, email ambiguous@ (manager Frank). */
    jordanLee: { id: seededId('00u', 'jordanlee'), email: `ambiguous@${DOMAIN}`, login: `jordan.lee@${DOMAIN}` },
    /** Login jordan.li@, email ambiguous@; a contractor with no manager, so manager-approved requests are REJECTED. */
    jordanLi: { id: seededId('00u', 'jordanli'), email: `ambiguous@${DOMAIN}`, login: `jordan.li@${DOMAIN}` },
  },
  groups: {
    everyone: groupRef('everyone', 'Everyone'),
    engineering: groupRef('engineering', 'Engineering'),
    sales: groupRef('sales', 'Sales'),
    finance: groupRef('finance', 'Finance'),
    itSecurity: groupRef('itsecurity', 'IT Security'),
    contractors: groupRef('contractors', 'Contractors'),
  },
  apps: {
    salesforce: appRef('salesforce'),
    googleWorkspace: appRef('googleworkspace'),
    netsuite: appRef('netsuite'),
    slack: appRef('slack'),
    github: appRef('github'),
    awsProduction: appRef('awsprod'),
    jira: appRef('jira'),
    zoom: appRef('zoom'),
    figma: appRef('figma'),
    /** On-call Responders is a group this app is assigned through (access scope GROUP). */
    pagerduty: appRef('pagerduty'),
  },
  /**
   * Legacy request types (Okta Access Requests' own, resource type REQUEST_TYPE): approved in Okta's
   * Access Requests app, never through the Tasks API. How Okta shapes their ids in v2 requests is not
   * published; [requested] `resourceId` is 20 characters.
   */
  requestTypes: {
    financeAnalysts: seededId('rqt', 'financeanalysts'),
  },
  entries: {
    salesforce: entryRef('salesforce', 'Salesforce'),
    /** Manager approves. */
    salesforceSalesUser: entryRef('salesforceSales', 'Salesforce — Sales User'),
    /** Manager, then the app owner (Grace); justification required. */
    salesforceAdmin: entryRef('salesforceAdmin', 'Salesforce — Admin'),
    googleWorkspace: entryRef('gworkspace', 'Google Workspace'),
    /** No approval: approved and granted by the system. */
    googleWorkspaceStandard: entryRef('gworkspaceStd', 'Google Workspace — Standard'),
    googleWorkspaceDriveManager: entryRef('gworkspaceDrive', 'Google Workspace — Shared Drive Manager'),
    netsuite: entryRef('netsuite', 'NetSuite'),
    /** Manager, then Grace; access fixed by the admin at P30D. */
    netsuiteFinanceViewer: entryRef('netsuiteFinance', 'NetSuite — Finance Viewer'),
    /** Grace approves; provisioning ends MANUAL_REQUIRED. */
    netsuiteApClerk: entryRef('netsuiteApClerk', 'NetSuite — AP Clerk'),
    slack: entryRef('slack', 'Slack'),
    slackMember: entryRef('slackMember', 'Slack — Member'),
    /** Any member of IT Security approves. */
    slackWorkspaceAdmin: entryRef('slackAdmin', 'Slack — Workspace Admin'),
    github: entryRef('github', 'GitHub'),
    githubMember: entryRef('githubMember', 'GitHub — Member'),
    /** Manager, then any member of IT Security. */
    githubOrgOwner: entryRef('githubOwner', 'GitHub — Organization Owner'),
    /** Only Engineering sees AWS Production and its children. */
    awsProduction: entryRef('awsProd', 'AWS Production'),
    awsProductionReadOnly: entryRef('awsProdReadOnly', 'AWS Production — ReadOnly'),
    /** Manager, then IT Security; the requester must choose a duration of at most PT8H. */
    awsProductionAdmin: entryRef('awsProdAdmin', 'AWS Production — Admin'),
    jira: entryRef('jira', 'Jira'),
    jiraSoftwareUser: entryRef('jiraUser', 'Jira — Software User'),
    zoom: entryRef('zoom', 'Zoom'),
    /** Dana (a fixed approver) decides. */
    zoomPro: entryRef('zoomPro', 'Zoom — Pro License'),
    figma: entryRef('figma', 'Figma'),
    /** Manager; the requester may choose a duration of at most P7D. */
    figmaEditor: entryRef('figmaEditor', 'Figma — Editor'),
    /**
     * A group joined through a legacy request type (REQUEST_TYPE): Grace approves, in Okta only (no
     * Tasks API task, no grant record); justification required.
     */
    financeAnalysts: entryRef('financeAnalysts', 'Finance Analysts'),
    /** A group PagerDuty is assigned through (access scope GROUP), only Engineering and IT Security may request. */
    oncallResponders: entryRef('oncall', 'On-call Responders'),
  },
} as const;

const { users: U, groups: G, apps: A, entries: E } = SEED;

interface PersonSpec {
  ref: { id: string; email: string; login?: string };
  firstName: string;
  lastName: string;
  title: string;
  department: string;
  manager?: { id: string };
  status?: UserRecord['status'];
}

const PEOPLE: PersonSpec[] = [
  { ref: U.service, firstName: 'Gatehouse', lastName: 'Service', title: 'Service account', department: 'IT' },
  { ref: U.henry, firstName: 'Henry', lastName: 'Adams', title: 'Chief Operating Officer', department: 'Operations' },
  { ref: U.bob, firstName: 'Bob', lastName: 'Martinez', title: 'Sales Manager', department: 'Sales', manager: U.henry },
  {
    ref: U.frank,
    firstName: 'Frank',
    lastName: 'Schmidt',
    title: 'Engineering Manager',
    department: 'Engineering',
    manager: U.henry,
  },
  {
    ref: U.grace,
    firstName: 'Grace',
    lastName: 'Lee',
    title: 'Business Applications Owner',
    department: 'Finance',
    manager: U.henry,
  },
  {
    ref: U.dana,
    firstName: 'Dana',
    lastName: 'Kowalski',
    title: 'IT Security Administrator',
    department: 'IT',
    manager: U.henry,
  },
  {
    ref: U.alice,
    firstName: 'Alice',
    lastName: 'Nguyen',
    title: 'Account Executive',
    department: 'Sales',
    manager: U.bob,
  },
  {
    ref: U.erin,
    firstName: 'Erin',
    lastName: 'Walsh',
    title: 'Financial Analyst',
    department: 'Finance',
    manager: U.bob,
  },
  {
    ref: U.carol,
    firstName: 'Carol',
    lastName: 'Okafor',
    title: 'Software Engineer',
    department: 'Engineering',
    manager: U.frank,
  },
  {
    ref: U.ivan,
    firstName: 'Ivan',
    lastName: 'Petrov',
    title: 'Software Engineer',
    department: 'Engineering',
    manager: U.frank,
    status: 'SUSPENDED',
  },
  {
    ref: U.jordanLee,
    firstName: 'Jordan',
    lastName: 'Lee',
    title: 'Site Reliability Engineer',
    department: 'Engineering',
    manager: U.frank,
  },
  { ref: U.jordanLi, firstName: 'Jordan', lastName: 'Li', title: 'Contractor', department: 'Marketing' },
];

function seedUsers(): UserRecord[] {
  const names = new Map(PEOPLE.map((person) => [person.ref.id, `${person.firstName} ${person.lastName}`]));
  return PEOPLE.map((person) => {
    const status = person.status ?? 'ACTIVE';
    return {
      id: person.ref.id,
      status,
      created: SEEDED_AT,
      activated: SEEDED_AT,
      statusChanged: SEEDED_AT,
      lastLogin: null,
      lastUpdated: SEEDED_AT,
      profile: {
        login: person.ref.login ?? person.ref.email,
        email: person.ref.email,
        firstName: person.firstName,
        lastName: person.lastName,
        displayName: `${person.firstName} ${person.lastName}`,
        title: person.title,
        department: person.department,
        ...(person.manager ? { managerId: person.manager.id, manager: names.get(person.manager.id) } : {}),
      },
    };
  });
}

function seedGroups(): GroupRecord[] {
  const everyone = PEOPLE.map((person) => person.ref.id);
  const group = (ref: { id: string; name: string }, description: string, members: { id: string }[]): GroupRecord => ({
    id: ref.id,
    name: ref.name,
    description,
    memberIds: members.map((member) => member.id),
  });
  return [
    { id: G.everyone.id, name: G.everyone.name, description: 'All users in the organization', memberIds: everyone },
    group(G.engineering, 'Product engineering', [U.carol, U.frank, U.ivan, U.jordanLee]),
    group(G.sales, 'Sales team', [U.alice, U.bob]),
    group(G.finance, 'Finance team', [U.erin, U.grace]),
    group(G.itSecurity, 'IT and security administrators', [U.dana, U.henry]),
    group(G.contractors, 'External contractors', [U.jordanLi]),
  ];
}

interface AccessSpec {
  ref: { id: string; name: string };
  description: string;
  approvals: ApprovalStep[];
  justificationRequired: boolean;
  accessDuration?: AccessDurationSettings;
  requesterGroups?: { id: string }[];
  grantOutcome?: GrantOutcome;
}

const MANAGER: ApprovalStep = { approvers: 'MANAGER' };
const approvedBy = (...users: { id: string }[]): ApprovalStep => ({
  approvers: 'USERS',
  userIds: users.map((user) => user.id),
});
const anyoneIn = (group: { id: string }): ApprovalStep => ({ approvers: 'GROUP', groupId: group.id });

function condition(spec: AccessSpec): RequestCondition {
  const slug = spec.ref.id;
  return {
    id: seededId('rco', slug.slice(3, 20)),
    approvalSequenceId: seededHexId(slug),
    requesters: spec.requesterGroups
      ? { type: 'GROUPS', groupIds: spec.requesterGroups.map((group) => group.id) }
      : { type: 'EVERYONE' },
    justification: { fieldId: seededUuid(slug), required: spec.justificationRequired },
    ...(spec.accessDuration ? { accessDuration: spec.accessDuration } : {}),
    approvalSequence: spec.approvals,
  };
}

function application(ref: { id: string; name: string }, appId: string, description: string): CatalogEntryRecord {
  return {
    id: ref.id,
    name: ref.name,
    description,
    label: 'Application',
    requestable: false,
    resource: { id: appId, type: 'APPLICATION' },
    accessScope: { id: appId, type: 'APPLICATION' },
    grants: [],
    grantOutcome: 'GRANTED',
  };
}

/** An access level below an app: an entitlement bundle, or plain assignment to the app. */
function accessLevel(parent: CatalogEntryRecord, kind: 'bundle' | 'assignment', spec: AccessSpec): CatalogEntryRecord {
  const appId = parent.resource.id;
  const bundleId = seededId('enb', spec.ref.id.slice(3, 20));
  const label: EntryLabel = kind === 'bundle' ? 'Entitlement Bundle' : 'Application';
  const requesterGroups = spec.requesterGroups ?? parentRequesterGroups.get(parent.id);
  return {
    id: spec.ref.id,
    name: spec.ref.name,
    description: spec.description,
    label,
    parent: parent.id,
    requestable: true,
    resource: { id: appId, type: 'APPLICATION' },
    accessScope: kind === 'bundle' ? { id: bundleId, type: 'ENTITLEMENT_BUNDLE' } : { id: appId, type: 'APPLICATION' },
    condition: condition({ ...spec, ...(requesterGroups ? { requesterGroups } : {}) }),
    grants: [
      kind === 'bundle'
        ? {
            grantType: 'ENTITLEMENT-BUNDLE',
            target: { externalId: appId, type: 'APPLICATION' },
            entitlementBundleId: bundleId,
          }
        : { grantType: 'CUSTOM', target: { externalId: appId, type: 'APPLICATION' } },
    ],
    grantOutcome: spec.grantOutcome ?? 'GRANTED',
  };
}

/**
 * A group as Okta's catalog offers one: through an app it is assigned to ([resource-type-3] has no
 * GROUP: the resource is the app, the access scope the group), or through a legacy request type.
 */
function group(
  spec: AccessSpec,
  through: { app: string; groupId: string } | { requestType: string },
): CatalogEntryRecord {
  const base = {
    id: spec.ref.id,
    name: spec.ref.name,
    description: spec.description,
    label: 'Group' as const,
    requestable: true,
    condition: condition(spec),
    grantOutcome: spec.grantOutcome ?? 'GRANTED',
  };
  if ('requestType' in through) {
    // The request type adds the member itself: Okta keeps no grant of it ([target-resource] is an app).
    const resource = { id: through.requestType, type: 'REQUEST_TYPE' as const };
    return { ...base, resource, accessScope: resource, grants: [] };
  }
  return {
    ...base,
    resource: { id: through.app, type: 'APPLICATION' },
    accessScope: { id: through.groupId, type: 'GROUP' },
    grants: [{ grantType: 'POLICY', target: { externalId: through.app, type: 'APPLICATION' } }],
  };
}

/** Apps whose every access level is limited to some groups (AWS Production: Engineering only). */
const parentRequesterGroups = new Map<string, { id: string }[]>([[E.awsProduction.id, [G.engineering]]]);

const ONCALL_GROUP = seededId('00g', 'oncall');

function seedEntries(): CatalogEntryRecord[] {
  const salesforce = application(E.salesforce, A.salesforce, 'CRM for the sales and support teams');
  const googleWorkspace = application(E.googleWorkspace, A.googleWorkspace, 'Email, calendar, documents and drive');
  const netsuite = application(E.netsuite, A.netsuite, 'ERP: general ledger, payables and receivables');
  const slack = application(E.slack, A.slack, 'Team chat');
  const github = application(E.github, A.github, 'Source code hosting for the acme organization');
  const awsProduction = application(E.awsProduction, A.awsProduction, 'The production AWS account (Engineering only)');
  const jira = application(E.jira, A.jira, 'Issue tracking for engineering and IT');
  const zoom = application(E.zoom, A.zoom, 'Video meetings and webinars');
  const figma = application(E.figma, A.figma, 'Design and prototyping');

  return [
    salesforce,
    accessLevel(salesforce, 'bundle', {
      ref: E.salesforceSalesUser,
      description: 'Accounts, opportunities and reports for account executives',
      approvals: [MANAGER],
      justificationRequired: false,
    }),
    accessLevel(salesforce, 'bundle', {
      ref: E.salesforceAdmin,
      description: 'System administrator: setup, users, profiles and data exports',
      approvals: [MANAGER, approvedBy(U.grace)],
      justificationRequired: true,
    }),
    googleWorkspace,
    accessLevel(googleWorkspace, 'assignment', {
      ref: E.googleWorkspaceStandard,
      description: 'Standard mailbox, calendar and drive',
      approvals: [],
      justificationRequired: false,
    }),
    accessLevel(googleWorkspace, 'bundle', {
      ref: E.googleWorkspaceDriveManager,
      description: 'Create and manage shared drives',
      approvals: [MANAGER],
      justificationRequired: true,
    }),
    netsuite,
    accessLevel(netsuite, 'bundle', {
      ref: E.netsuiteFinanceViewer,
      description: 'Read-only access to financial reports, for 30 days',
      approvals: [MANAGER, approvedBy(U.grace)],
      justificationRequired: true,
      accessDuration: { type: 'ADMIN_FIXED_DURATION', duration: 'P30D' },
    }),
    accessLevel(netsuite, 'bundle', {
      ref: E.netsuiteApClerk,
      description: 'Enter and approve vendor bills (provisioned by hand by the NetSuite team)',
      approvals: [approvedBy(U.grace)],
      justificationRequired: false,
      grantOutcome: 'MANUAL_REQUIRED',
    }),
    slack,
    accessLevel(slack, 'assignment', {
      ref: E.slackMember,
      description: 'A full member of the acme workspace',
      approvals: [MANAGER],
      justificationRequired: false,
    }),
    accessLevel(slack, 'bundle', {
      ref: E.slackWorkspaceAdmin,
      description: 'Manage channels, members and integrations',
      approvals: [anyoneIn(G.itSecurity)],
      justificationRequired: true,
    }),
    github,
    accessLevel(github, 'assignment', {
      ref: E.githubMember,
      description: 'Member of the acme organization',
      approvals: [MANAGER],
      justificationRequired: false,
    }),
    accessLevel(github, 'bundle', {
      ref: E.githubOrgOwner,
      description: 'Owner of the acme organization: billing, settings and all repositories',
      approvals: [MANAGER, anyoneIn(G.itSecurity)],
      justificationRequired: true,
    }),
    awsProduction,
    accessLevel(awsProduction, 'bundle', {
      ref: E.awsProductionReadOnly,
      description: 'ReadOnlyAccess in the production account',
      approvals: [MANAGER],
      justificationRequired: false,
    }),
    accessLevel(awsProduction, 'bundle', {
      ref: E.awsProductionAdmin,
      description: 'AdministratorAccess in the production account, for at most 8 hours',
      approvals: [MANAGER, anyoneIn(G.itSecurity)],
      justificationRequired: true,
      accessDuration: { type: 'REQUESTER_SPECIFIED_DURATION', maximumDuration: 'PT8H', required: true },
    }),
    jira,
    accessLevel(jira, 'assignment', {
      ref: E.jiraSoftwareUser,
      description: 'Jira Software: boards, issues and sprints',
      approvals: [MANAGER],
      justificationRequired: false,
    }),
    zoom,
    accessLevel(zoom, 'bundle', {
      ref: E.zoomPro,
      description: 'A licensed Zoom Pro account (meetings over 40 minutes)',
      approvals: [approvedBy(U.dana)],
      justificationRequired: false,
    }),
    figma,
    accessLevel(figma, 'bundle', {
      ref: E.figmaEditor,
      description: 'Edit files in the acme Figma team, for up to a week',
      approvals: [MANAGER],
      justificationRequired: false,
      accessDuration: { type: 'REQUESTER_SPECIFIED_DURATION', maximumDuration: 'P7D', required: false },
    }),
    group(
      {
        ref: E.financeAnalysts,
        description: 'Shared finance reports and the month-end close workspace',
        approvals: [approvedBy(U.grace)],
        justificationRequired: true,
      },
      { requestType: SEED.requestTypes.financeAnalysts },
    ),
    group(
      {
        ref: E.oncallResponders,
        description: 'Paged for production incidents; access to the incident channels',
        approvals: [MANAGER],
        justificationRequired: false,
        requesterGroups: [G.engineering, G.itSecurity],
      },
      { app: A.pagerduty, groupId: ONCALL_GROUP },
    ),
  ];
}

/** Access people already have, so "what do I have" answers something on day one. */
function seedGrants(): GrantRecord[] {
  const existing = (slug: string, appId: string, user: { id: string }): GrantRecord => ({
    id: seededId('0gg', slug),
    grantType: 'CUSTOM',
    action: 'ALLOW',
    actor: 'ADMIN',
    status: 'ACTIVE',
    created: SEEDED_AT,
    createdBy: U.dana.id,
    lastUpdated: SEEDED_AT,
    lastUpdatedBy: U.dana.id,
    target: { externalId: appId, type: 'APPLICATION' },
    targetPrincipal: { externalId: user.id, type: 'OKTA_USER' },
  });
  return [
    existing('aliceSlack', A.slack, U.alice),
    existing('aliceGoogle', A.googleWorkspace, U.alice),
    existing('carolSlack', A.slack, U.carol),
    existing('carolGithub', A.github, U.carol),
    existing('carolGoogle', A.googleWorkspace, U.carol),
  ];
}

export interface SeededCompany {
  users: UserRecord[];
  groups: GroupRecord[];
  entries: CatalogEntryRecord[];
  grants: GrantRecord[];
}

/** A fresh copy each time: every org mutates its own. */
export function seedCompany(): SeededCompany {
  return { users: seedUsers(), groups: seedGroups(), entries: seedEntries(), grants: seedGrants() };
}

/** The SSWS token's user even in an unseeded org, so admin actions always have an actor. */
export function serviceAccount(): UserRecord {
  const user = seedUsers().find((candidate) => candidate.id === U.service.id);
  if (!user) throw new Error('the seed lost its service account');
  return user;
}

/** Words the generated catalog names its apps with, so searches have something to find. */
export const CATALOG_WORDS = [
  'atlas',
  'beacon',
  'cobalt',
  'delta',
  'ember',
  'falcon',
  'granite',
  'harbor',
  'indigo',
  'juniper',
  'kestrel',
  'lumen',
  'meridian',
  'nimbus',
  'onyx',
  'pioneer',
  'quartz',
  'raven',
  'summit',
  'tundra',
] as const;
const LEVELS = ['Viewer', 'Editor', 'Admin', 'Billing'] as const;

/**
 * A large catalog for benchmarks: apps named "<Word> <n>" (e.g. "Beacon 12"), each with four
 * access levels anyone may request with their manager's approval, `count` entries in all.
 */
export function generatedCatalog(count: number): CatalogEntryRecord[] {
  const entries: CatalogEntryRecord[] = [];
  for (let n = 0; entries.length < count; n++) {
    const word = CATALOG_WORDS[n % CATALOG_WORDS.length] ?? 'atlas';
    const name = `${word[0]?.toUpperCase()}${word.slice(1)} ${Math.floor(n / CATALOG_WORDS.length)}`;
    const app = application({ id: seededId('cen', `g${n}x`), name }, seededId('0oa', `g${n}x`), `${name} workspace`);
    entries.push(app);
    for (const level of LEVELS) {
      if (entries.length >= count) break;
      entries.push(
        accessLevel(app, 'assignment', {
          ref: { id: seededId('cen', `g${n}x${level}`), name: `${name} — ${level}` },
          description: `${level} access to ${name}`,
          approvals: [MANAGER],
          justificationRequired: false,
        }),
      );
    }
  }
  return entries;
}
