/**
 * A refusal in Slack's words. The Web API answers it as HTTP 200 `{ ok: false, error: code, ...extra }`;
 * the response_url endpoint with an HTTP status of its own.
 */
export class SlackApiError extends Error {
  constructor(
    readonly code: string,
    readonly extra: Record<string, unknown> = {},
    /** Only for response_url answers: Slack's Web API methods always answer 200. */
    readonly status = 200,
  ) {
    super(code);
    this.name = 'SlackApiError';
  }

  get body(): Record<string, unknown> {
    return { ok: false, error: this.code, ...this.extra };
  }
}

/** Slack lists schema problems in `response_metadata.messages`, each prefixed with `[ERROR]`. */
const metadataMessages = (problems: readonly string[]) => ({
  response_metadata: { messages: problems.map((problem) => `[ERROR] ${problem}`) },
});

/** A required argument is missing: Slack's generic answer when a method has no specific code for it. */
export const missingArgument = (field: string) =>
  new SlackApiError('invalid_arguments', metadataMessages([`missing required field: ${field}`]));

/** Messages with bad blocks: the problems both bare in `errors` and in `response_metadata.messages`. */
export const invalidBlocks = (problems: readonly string[], status = 200) =>
  new SlackApiError('invalid_blocks', { errors: [...problems], ...metadataMessages(problems) }, status);

/** Views with bad content are refused as `invalid_arguments`, the problems only in the metadata. */
export const invalidView = (problems: readonly string[]) =>
  new SlackApiError('invalid_arguments', metadataMessages(problems));
