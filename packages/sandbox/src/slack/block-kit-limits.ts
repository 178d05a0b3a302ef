/**
 * Slack's published Block Kit and message limits, in one place. The validator (block-kit.ts) uses
 * only these names. Sources, as read for this emulator:
 *
 * - [blocks]   https://docs.slack.dev/reference/block-kit/blocks (50 per message, 100 per modal/Home tab)
 * - [section]  https://docs.slack.dev/reference/block-kit/blocks/section-block
 * - [types]    @slack/types 2.x (node_modules/@slack/types/dist/block-kit/*.d.ts, views.d.ts): the
 *              limits Slack's own SDK documents on each field
 * - [views]    https://docs.slack.dev/reference/views/modal-views ; views.* method pages (view_too_large)
 * - [option]   https://docs.slack.dev/reference/block-kit/composition-objects/option-object (value 150;
 *              @slack/types still says 75, the current reference says 150)
 * - [postMessage] chat.postMessage reference: text is truncated after 40,000 characters; the emulator
 *              refuses it instead (`msg_too_long`), so a bot cannot lose text silently
 */
export const LIMITS = {
  /** [blocks] */
  messageBlocks: 50,
  /** [blocks] modals and the Home tab alike. */
  viewBlocks: 100,
  /** [types] any text object: 1–3000 characters. */
  textObject: 3000,
  /** [section] */
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  /** [types] blocks.d.ts HeaderBlock */
  headerText: 150,
  /** [types] blocks.d.ts: block_id; extensions.d.ts: action_id. */
  blockId: 255,
  actionId: 255,
  /** [types] ActionsBlock */
  actionsElements: 25,
  /** [types] ContextBlock */
  contextElements: 10,
  /** [types] Button */
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  accessibilityLabel: 75,
  /** [types] Confirm */
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  /** [types] StaticSelect / option groups */
  selectOptions: 100,
  optionGroups: 100,
  optionGroupLabel: 75,
  /** [option] */
  optionText: 75,
  optionValue: 150,
  optionDescription: 75,
  /** [types] Checkboxes, RadioButtons (10); Overflow (5). */
  checkboxOptions: 10,
  radioOptions: 10,
  overflowOptions: 5,
  /** [types] placeholders on every input element. */
  placeholder: 150,
  /** [types] PlainTextInput: min_length and max_length at most 3000. */
  textInputLength: 3000,
  /** [types] InputBlock label and hint. */
  inputLabel: 2000,
  inputHint: 2000,
  /** [types] ImageBlock / ImageElement */
  imageUrl: 3000,
  altText: 2000,
  imageTitle: 2000,
  /** [types] MarkdownBlock: cumulative across a message's markdown blocks. */
  markdownTotal: 12000,
  /** [views] title, submit and close texts. */
  viewTitle: 24,
  viewSubmit: 24,
  viewClose: 24,
  privateMetadata: 3000,
  callbackId: 255,
  externalId: 255,
  /** [views] views.open/update/push/publish: `view_too_large` above 250 kB. */
  viewBytes: 250_000,
  /** [postMessage] */
  messageText: 40_000,
} as const;

/** Element types allowed where, per [types] (ActionsBlockElement, ContextBlockElement, InputBlockElement). */
export const SELECT_TYPES = [
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'multi_static_select',
  'multi_external_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
] as const;

export const ACTIONS_ELEMENT_TYPES: readonly string[] = [
  'button',
  'overflow',
  'datepicker',
  'timepicker',
  'datetimepicker',
  'checkboxes',
  'radio_buttons',
  'rich_text_input',
  'workflow_button',
  ...SELECT_TYPES,
];

export const INPUT_ELEMENT_TYPES: readonly string[] = [
  'plain_text_input',
  'number_input',
  'email_text_input',
  'url_text_input',
  'rich_text_input',
  'datepicker',
  'timepicker',
  'datetimepicker',
  'checkboxes',
  'radio_buttons',
  'file_input',
  ...SELECT_TYPES,
];

/** Section accessories: any interactive element or an image. */
export const ACCESSORY_TYPES: readonly string[] = [...ACTIONS_ELEMENT_TYPES, 'image'];

export const BLOCK_TYPES: readonly string[] = [
  'section',
  'header',
  'divider',
  'actions',
  'context',
  'input',
  'image',
  'rich_text',
  'markdown',
  'video',
  'file',
];
