import { isObject } from './block-kit-objects.js';
import type { Json } from './records.js';

/**
 * Blocks as Slack stores them: a copy in which every block has a block_id and every interactive
 * element an action_id. Slack invents short random ids for the ones the app left out, and those
 * are what it sends back in block_actions payloads, so the emulator does the same.
 */
export function storedBlocks(blocks: readonly Json[], filler: () => string): Json[] {
  return blocks.map((block) => {
    const copy = structuredClone(block);
    if (typeof copy.block_id !== 'string') copy.block_id = filler();
    const actions = copy.type === 'actions' && Array.isArray(copy.elements) ? copy.elements : [];
    const elements = [copy.accessory, copy.element, ...actions];
    for (const element of elements) {
      if (isObject(element) && element.type !== 'image' && typeof element.action_id !== 'string') {
        element.action_id = filler();
      }
    }
    return copy;
  });
}
