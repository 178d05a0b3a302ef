import type { App, RespondFn } from '@slack/bolt';
import { within } from '../../../deadline.js';
import { joinReason } from '../../../flows/grammar.js';
import { type ChatCommand, type ChatIdentity, isFailure, parseCommand } from '../../../flows/index.js';
import { AlreadyHasAccess } from '../../../flows/requesting.js';
import { parseDuration } from '../../../flows/wording.js';
import { confirmation } from '../render/confirmation.js';
import {
  LIST_LIMIT,
  NOTHING_PENDING,
  renderAccess,
  renderFailure,
  renderHelp,
  renderList,
  renderStatus,
  renderText,
} from '../render/lists.js';
import { requestForm } from '../render/modals.js';
import { renderAlreadyHeld } from '../render/notices.js';
import { escapeWithin } from '../render/text.js';
import { actorOf, type SlackDeps, tell } from './context.js';
import { answerDelegation } from './delegation.js';
import { openRequestForm } from './forms.js';
import { typedText } from './typed-text.js';

/** Time left for a catalog search before the trigger_id (3 s from Slack's send) is too old to open a form. */
const FORM_DEADLINE_MS = 2_000;

export function registerCommands(app: App, deps: SlackDeps): void {
  app.command('/access', async ({ command, ack, respond }) => {
    // Slack sends the text escaped, with mentions and links as control sequences.
    const parsed = parseCommand(typedText(command.text ?? ''));
    const user = command.user_id;
    switch (parsed.kind) {
      case 'help':
        await ack(renderHelp());
        return;
      case 'unknown':
        await ack(renderHelp(`I don’t know “${escapeWithin(parsed.text, 200).text}”. Here is what I understand:`));
        return;
      case 'delegate':
      case 'delegate-end':
      case 'delegate-show':
        await ack();
        await answerDelegation(deps, { userId: user, respond }, delegationCommand(parsed, command.text ?? ''));
        return;
      case 'form':
        await ack();
        await openRequestForm(deps, { triggerId: command.trigger_id, userId: user, respond }, {});
        return;
      case 'request': {
        if (parsed.duration && !parseDuration(parsed.duration)) {
          await ack(
            renderText(
              `:warning: “${escapeWithin(parsed.duration, 100).text}” is not a duration Gatehouse understands. ` +
                'Use something like `for 4h`, `for 2 days` or `for 1w`.',
            ),
          );
          return;
        }
        const startedAt = Date.now();
        await ack();
        await requestInOneLine(deps, { user, triggerId: command.trigger_id, respond, startedAt }, parsed);
        return;
      }
      default: {
        await ack();
        const actor = await actorOf(deps, user);
        if (isFailure(actor)) return tell(deps, { userId: user, respond }, renderFailure(actor));
        await tell(deps, { userId: user, respond }, await answerQuery(deps, actor, parsed));
      }
    }
  });
}

type DelegationCommand = Extract<ChatCommand, { kind: 'delegate' | 'delegate-end' | 'delegate-show' }>;

/**
 * The person as Slack sent it (`<@U123>` or `<@U123|name>`): `typedText` turns a labelled mention
 * into `@name`, which no longer says who; the date and note stay as typed.
 */
function delegationCommand(parsed: DelegationCommand, sent: string): DelegationCommand {
  if (parsed.kind !== 'delegate') return parsed;
  const raw = parseCommand(sent);
  return raw.kind === 'delegate' ? { ...parsed, to: raw.to } : parsed;
}

async function answerQuery(
  deps: SlackDeps,
  actor: ChatIdentity,
  parsed:
    | { kind: 'status'; requestId?: string }
    | { kind: 'cancel'; target: string }
    | { kind: 'access' }
    | { kind: 'mine' }
    | { kind: 'pending' },
) {
  if (parsed.kind === 'cancel') {
    // The flow finds which open request of the person's the id or app name means, and re-checks it.
    const outcome = await deps.flows.cancelNamed(actor, parsed.target);
    return outcome.ok ? renderStatus(outcome.value) : renderFailure(outcome.error);
  }
  if (parsed.kind === 'access') {
    const outcome = await deps.flows.myAccess(actor);
    return outcome.ok ? renderAccess(outcome.value) : renderFailure(outcome.error);
  }
  if (parsed.kind === 'status') {
    const outcome = await deps.flows.status(actor, parsed.requestId);
    if (!outcome.ok) return renderFailure(outcome.error);
    const value = outcome.value;
    return 'items' in value
      ? renderList(value, 'You have no open requests. `/access request <what>` asks for something.')
      : renderStatus(value);
  }
  if (parsed.kind === 'mine') {
    const outcome = await deps.flows.myRequests(actor, LIST_LIMIT * 2);
    return outcome.ok
      ? renderList(outcome.value, 'You have not requested anything yet.')
      : renderFailure(outcome.error);
  }
  const outcome = await deps.flows.pendingApprovals(actor);
  if (!outcome.ok) return renderFailure(outcome.error);
  const shown = outcome.value.items.length > 0 ? await deps.lists.remember(outcome.value, actor.userId) : undefined;
  return renderList(outcome.value, NOTHING_PENDING, shown);
}

/**
 * `/access request <what> [for <duration>] [because <reason>]`: creates the request when the text
 * names one entry, and opens the form, prefilled, when it names several or none. The search must
 * finish while the trigger_id still works; a slow catalog gets a clear message instead.
 */
async function requestInOneLine(
  deps: SlackDeps,
  context: { user: string; triggerId: string; respond: RespondFn; startedAt: number },
  parsed: { what: string; duration?: string; because?: string },
): Promise<void> {
  const where = { userId: context.user, respond: context.respond };
  const actor = await actorOf(deps, context.user);
  if (isFailure(actor)) return tell(deps, where, renderFailure(actor));
  const remaining = FORM_DEADLINE_MS - (Date.now() - context.startedAt);
  const match = await within(deps.flows.resolveEntry(actor, parsed.what), remaining);
  if (match === 'late') {
    return tell(
      deps,
      where,
      renderText(':hourglass: The catalog is slow to answer right now. Run `/access` to open the request form.'),
    );
  }
  if (!match.ok) return tell(deps, where, renderFailure(match.error));
  const duration = parsed.duration ? parseDuration(parsed.duration) : undefined;
  // Words after a "for" the catalog showed are no part of the name are the reason, with "because"'s.
  const justification = joinReason(match.value.reason, parsed.because);
  if (match.value.kind === 'choose') {
    const form = requestForm({ query: match.value.query, choices: match.value.choices, justification, duration });
    return openForm(deps, context, form);
  }
  const created = await deps.flows.requestAccess(actor, {
    entryId: match.value.entry.id,
    justification,
    duration: parsed.duration,
    idempotencyKey: `slack:${context.triggerId}`,
    askForMissing: true,
  });
  if (!created.ok) {
    const held = created.error.cause;
    return tell(deps, where, held instanceof AlreadyHasAccess ? renderAlreadyHeld(held) : renderFailure(created.error));
  }
  if (created.value.kind === 'form') {
    // A reason or duration the entry needs was not typed: the form, that entry chosen, the rest filled in.
    const { entry, missing } = created.value;
    const form = requestForm({
      entry,
      missing,
      justification: created.value.justification,
      duration: created.value.duration,
    });
    return openForm(deps, context, form);
  }
  if (created.value.kind !== 'created') return;
  const request = created.value.request;
  await tell(deps, where, renderText(confirmation(request)));
}

/** Opens a form with the command's trigger_id (it lives 3 s from Slack's send), or says how to open it. */
async function openForm(
  deps: SlackDeps,
  context: { user: string; triggerId: string; respond: RespondFn },
  view: ReturnType<typeof requestForm>,
): Promise<void> {
  const opened = await deps.client.views.open({ trigger_id: context.triggerId, view }).then(
    () => true,
    (err) => {
      deps.logger.warn({ err }, 'request form not opened');
      return false;
    },
  );
  if (!opened) {
    await tell(
      deps,
      { userId: context.user, respond: context.respond },
      renderText('I could not open the request form in time. Run `/access` to open it.'),
    );
  }
}
