import type { HomeView, KnownBlock } from '@slack/types';
import type { Failure, RequestList } from '../../../flows/index.js';
import { listItem } from './lists.js';
import { escapeWithin, linkText, mrkdwn, plain } from './text.js';

export const HOME_ACTION = { openForm: 'open_request_form' } as const;

/** Per section; two sections of two blocks an item stay far below the 100-block limit. */
const HOME_LIMIT = 20;

export function renderHome(content: { pending: RequestList; open: RequestList } | { failure: Failure }): HomeView {
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain('Gatehouse') },
    {
      type: 'actions',
      block_id: 'home_actions',
      elements: [
        {
          type: 'button',
          action_id: HOME_ACTION.openForm,
          text: plain('Request access'),
          style: 'primary',
        },
      ],
    },
  ];
  if ('failure' in content) {
    const link = content.failure.link ? ` ${linkText(content.failure.link)}` : '';
    const text = `:warning: ${escapeWithin(content.failure.message, 2900 - link.length).text}${link}`;
    blocks.push({ type: 'section', text: mrkdwn(text) });
    return { type: 'home', blocks };
  }
  for (const [list, empty, prefix] of [
    [content.pending, 'Nothing is waiting for your decision.', 'p'],
    [content.open, 'You have no open requests. Use `/access` or the button above to ask for something.', 'o'],
  ] as const) {
    blocks.push({ type: 'divider' }, { type: 'header', text: plain(list.title, 150) });
    if (list.items.length === 0) blocks.push({ type: 'section', text: mrkdwn(empty) });
    list.items.slice(0, HOME_LIMIT).forEach((item, index) => {
      for (const block of listItem(item, index)) {
        blocks.push({ ...block, block_id: `${prefix}_${block.block_id ?? index}` });
      }
    });
    if (list.items.length > HOME_LIMIT) {
      blocks.push({
        type: 'context',
        elements: [mrkdwn(`…and ${list.items.length - HOME_LIMIT} more in the governance portal.`)],
      });
    }
  }
  return { type: 'home', blocks };
}
