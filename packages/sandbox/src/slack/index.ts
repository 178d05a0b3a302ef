/**
 * An emulated Slack workspace and the Web API subset Gatehouse calls, faithful in request and
 * response shapes, error codes and Block Kit limits; plus what drivers need to act as Slack towards
 * the bot: signed inbound payloads and a driver that clicks what the bot actually rendered.
 */
export {
  applyCommandAnswer,
  applyViewSubmissionAnswer,
  suggestionProblems,
} from './answers.js';
export { blockProblems, type Surface, viewProblems, viewTooLarge } from './block-kit.js';
export { LIMITS } from './block-kit-limits.js';
export type { DeliveryTarget, DriverRequest, DriverResponse, InjectFn } from './delivery.js';
export { type ClickTarget, type From, SlackDriver, type SlackDriverOptions, type TypedText } from './driver.js';
export type { SlackFaultSpec } from './faults.js';
export {
  appHomeOpened,
  blockActions,
  blockSuggestion,
  FORM_CONTENT_TYPE,
  JSON_CONTENT_TYPE,
  type PayloadChannel,
  type PayloadOrigin,
  type PayloadUser,
  SEED_ORIGIN,
  slackEscaped,
  slashCommand,
  urlVerification,
  viewClosed,
  viewSubmission,
} from './payloads.js';
export { type SlackEmulatorOptions, slackEmulator } from './plugin.js';
export type {
  CallRecord,
  ChannelRecord,
  EphemeralRecord,
  Json,
  MessageRecord,
  ResponseUrlPost,
  ResponseUrlRecord,
  SlackUserRecord,
  ViewRecord,
} from './records.js';
export { dmChannelId, type SeededPerson, SLACK_SEED } from './seed.js';
export { type SlackSignatureHeaders, signSlackRequest } from './sign.js';
export {
  createSlackWorkspace,
  type MessageInputValues,
  type OutsiderInput,
  SlackWorkspace,
  type SlackWorkspaceOptions,
} from './workspace.js';
