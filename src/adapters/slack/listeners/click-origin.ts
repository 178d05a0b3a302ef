import type { BlockAction, ButtonAction, RespondFn } from '@slack/bolt';
import { z } from 'zod';
import type { ClickedCard } from '../clicked-message.js';
import { parseJson } from './context.js';

/** Where Slack says a click was: a message (a card, or an ephemeral answer) or a view (App Home). */
const clickContainer = z.object({
  type: z.string(),
  channel_id: z.string().optional(),
  message_ts: z.string().optional(),
  is_ephemeral: z.boolean().optional(),
});

/** Whether the click came from an ephemeral answer (only its response_url can redraw it). */
export function fromEphemeral(body: Pick<BlockAction, 'container'>): boolean {
  const container = clickContainer.safeParse(body.container);
  return container.success && container.data.type === 'message' && container.data.is_ephemeral === true;
}

/** The card in a conversation (not an ephemeral answer, not App Home) a click came from. */
export function clickedCard(body: Pick<BlockAction, 'container'>): ClickedCard | undefined {
  const container = clickContainer.safeParse(body.container);
  if (!container.success || container.data.type !== 'message' || container.data.is_ephemeral) return undefined;
  const { channel_id: channel, message_ts: ts } = container.data;
  return channel && ts ? { channel, ts } : undefined;
}

/** Whom to tell about a click, and how: App Home clicks carry no response_url, so they get a DM. */
export function clickerOf(args: { body: BlockAction<ButtonAction>; respond: RespondFn }) {
  return { userId: args.body.user.id, respond: args.body.response_url ? args.respond : undefined };
}

/** What a request button carries (render/request-card.ts `buttonValue`): which request and step, never who may act. */
const requestButton = z.object({
  r: z.string().min(1).max(200),
  t: z.string().max(200).optional(),
  l: z.string().max(40).optional(),
});

export function requestButtonValue(value: string | undefined): z.infer<typeof requestButton> | null {
  const parsed = requestButton.safeParse(parseJson(value));
  return parsed.success ? parsed.data : null;
}
