/**
 * An emulated Microsoft Teams tenant and the Bot Framework connector subset Gatehouse calls, faithful
 * in routes, request and response shapes, error codes, Adaptive Card schema and size limits; plus
 * what drivers need to act as Teams towards the bot: the activities Teams posts and a driver that
 * presses the buttons the bot actually rendered.
 */
export {
  type ActivityUser,
  type ConversationRef,
  conversationUpdate,
  type Envelope,
  type InvokeTrigger,
  installationUpdate,
  invokeAction,
  type Mention,
  mentionEntity,
  message,
} from './activities.js';
export { type ActionChoice, actionData, findExecute } from './card-actions.js';
export { cardProblems } from './card-problems.js';
export type { DriverResponse, InjectFn } from './delivery.js';
export { type CardTarget, TeamsDriver, type TeamsDriverOptions, type TypedMessage } from './driver.js';
export { ConnectorError } from './errors.js';
export type { TeamsFaultSpec } from './faults.js';
export {
  ADAPTIVE_CARD_CONTENT_TYPE,
  INVOKE_DEADLINE_MS,
  MAX_CARD_VERSION,
  MESSAGE_SIZE_LIMIT_BYTES,
} from './limits.js';
export { teamsChannelAccount } from './members.js';
export {
  isPeopleDataset,
  PEOPLE_DATASET,
  PEOPLE_IN_CONVERSATION_DATASET,
  searchPeople,
} from './people-picker.js';
export { type TeamsConnectorOptions, teamsConnector } from './plugin.js';
export type {
  CallRecord,
  ChannelAccount,
  ConversationRecord,
  Json,
  TeamsUserRecord,
  TranscriptActivity,
} from './records.js';
export { personalConversationId, type SeededTeamsPerson, TEAMS_SEED } from './seed.js';
export { createTeamsTenant, TeamsTenant, type TeamsTenantOptions } from './tenant.js';
