import { blockActions, FORM_CONTENT_TYPE, type Json } from '@gatehouse/sandbox/slack';
import type { SlackWorld } from './slack-world.js';

/**
 * A button pressed under boxes a person ticked first, in an ephemeral message (a `pending` list):
 * Slack sends what is ticked in the payload's `state.values` (block_id → action_id → the checkboxes'
 * `selected_options`), as it does for every stateful element of a message. The driver clicks
 * without state, so this builds the payload from the message as rendered, ticking the options whose
 * value names one of `requestIds`. `forged` adds option values no message offered (a crafted click).
 */
export async function pressWithTicked(
  world: SlackWorld,
  userId: string,
  at: { channel: string; ts: string },
  actionId: string,
  requestIds: string[],
  forged: { blockId: string; values: string[] } = { blockId: '', values: [] },
) {
  const message = world.slack.ephemeralsFor(userId).find((m) => m.ts === at.ts);
  if (!message) throw new Error(`no ephemeral ${at.ts} for ${userId}`);
  const blocks = (message.blocks ?? []) as Json[];
  const values: Record<string, Record<string, Json>> = {};
  let button: { blockId: string; element: Json } | undefined;
  for (const block of blocks) {
    for (const element of (block.elements as Json[] | undefined) ?? []) {
      if (element.type === 'checkboxes') {
        const options = (element.options as Json[]).filter((option) => {
          const value = JSON.parse(String(option.value)) as { r: string };
          return requestIds.includes(value.r);
        });
        values[String(block.block_id)] = {
          [String(element.action_id)]: { type: 'checkboxes', selected_options: options },
        };
      }
      if (element.type === 'button' && element.action_id === actionId)
        button = { blockId: String(block.block_id), element };
    }
  }
  if (!button) throw new Error(`no button ${actionId} in that message`);
  if (forged.values.length > 0) {
    const options = forged.values.map((value) => ({ text: { type: 'plain_text', text: value }, value }));
    values[forged.blockId] = { several_pick: { type: 'checkboxes', selected_options: options } };
  }
  const channel = world.slack.channel(at.channel);
  if (!channel) throw new Error(`no channel ${at.channel}`);
  const body = blockActions({
    user: { id: userId, name: world.slack.user(userId)?.handle ?? userId },
    actionId,
    blockId: button.blockId,
    element: button.element,
    value: String(button.element.value),
    triggerId: world.slack.mintTriggerId(userId),
    responseUrl: world.slack.mintResponseUrl({
      channel: channel.id,
      userId,
      baseUrl: world.baseUrl,
      ephemeralTs: at.ts,
    }),
    channel: { id: channel.id, name: channel.kind === 'im' ? 'directmessage' : channel.name },
    ephemeralTs: at.ts,
    state: { values },
  });
  return world.driver.send(body, FORM_CONTENT_TYPE);
}
