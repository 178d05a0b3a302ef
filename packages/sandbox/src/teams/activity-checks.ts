import { cardProblems } from './card-problems.js';
import { badArgument, ConnectorError } from './errors.js';
import { ADAPTIVE_CARD_CONTENT_TYPE, MESSAGE_SIZE_LIMIT_BYTES } from './limits.js';
import type { Json } from './records.js';

/**
 * What the connector refuses in an activity the bot sends or updates, before anything is stored:
 * an activity over the size limit (413 `MessageSizeTooBig`), then any Adaptive Card attachment that
 * fails the 1.5 schema or declares a version Teams cannot render (400 `BadArgument`, naming the
 * attachment, the property and why).
 */
export function checkOutbound(activity: unknown): Json {
  if (typeof activity !== 'object' || activity === null || Array.isArray(activity)) {
    throw badArgument('The request body must be an Activity object');
  }
  const body = activity as Json;
  if (typeof body.type !== 'string' || body.type === '') {
    throw new ConnectorError(400, 'MissingProperty', 'Activity type is required');
  }
  const size = Buffer.byteLength(JSON.stringify(body), 'utf8');
  if (size > MESSAGE_SIZE_LIMIT_BYTES) {
    throw new ConnectorError(
      413,
      'MessageSizeTooBig',
      `Message size too large. (${size} bytes of activity JSON; the sandbox allows ${MESSAGE_SIZE_LIMIT_BYTES})`,
    );
  }
  const problems = attachmentProblems(body.attachments);
  if (problems.length > 0) throw badArgument(problems.join('; '));
  return body;
}

function attachmentProblems(attachments: unknown): string[] {
  if (attachments === undefined || attachments === null) return [];
  if (!Array.isArray(attachments)) return ['attachments must be an array'];
  return attachments.flatMap((attachment: unknown, index) => {
    const where = `attachments[${index}]`;
    if (typeof attachment !== 'object' || attachment === null) return [`${where} must be an object`];
    const { contentType, content } = attachment as Json;
    if (typeof contentType !== 'string') return [`${where} has no contentType`];
    if (contentType !== ADAPTIVE_CARD_CONTENT_TYPE) return [];
    return cardProblems(content).map((problem) => `${where} (Adaptive Card): ${problem}`);
  });
}
