import { MessageFactory, type TurnContext } from 'botbuilder';
import { type ChatCommand, type ChatIdentity, type Failure, type Flows, isFailure } from '../../flows/index.js';
import { AlreadyHasAccess } from '../../flows/requesting.js';
import { parseDuration } from '../../flows/wording.js';
import type { ShownLists } from '../shown-lists.js';
import { answerDelegation } from './delegation.js';
import type { TeamsDirectory } from './directory.js';
import { cardActivity } from './messenger.js';
import { accessCard } from './render/access.js';
import { LIST_LIMIT, listCard, NOTHING_PENDING } from './render/lists.js';
import { alreadyHeldCard, confirmationText, failureText, helpText } from './render/messages.js';
import { renderRequestCard } from './render/request-card.js';
import { FORM_CHOICES_MAX, requestFormCard } from './render/request-form.js';
import { escapeWithin } from './render/text.js';

/**
 * What people write to Gatehouse in their 1:1 chat, in the grammar shared with Slack (help,
 * request, status, mine, pending, cancel, my access), answered with text and cards in that chat.
 */
export class TeamsChatCommands {
  constructor(private readonly deps: { flows: Flows; lists: ShownLists; directory: TeamsDirectory }) {}

  /** `whoIsWriting` is asked only for commands that need it, so help works even while the store is away. */
  async answer(
    context: TurnContext,
    whoIsWriting: () => Promise<ChatIdentity | Failure>,
    command: ChatCommand,
  ): Promise<void> {
    if (command.kind === 'help' || command.kind === 'unknown') {
      const intro =
        command.kind === 'unknown'
          ? `I don’t know “${escapeWithin(command.text, 200)}”. Here is what I understand:`
          : undefined;
      await context.sendActivity(MessageFactory.text(helpText(intro)));
      return;
    }
    const actor = await whoIsWriting();
    if (isFailure(actor)) {
      await context.sendActivity(MessageFactory.text(failureText(actor)));
      return;
    }
    const { flows } = this.deps;
    switch (command.kind) {
      case 'form': {
        // The first entries as static choices: clients without dynamic search can still pick one.
        const first = await flows.searchCatalog(actor, '', FORM_CHOICES_MAX);
        await context.sendActivity(cardActivity(requestFormCard({ choices: first.ok ? first.value : [] })));
        return;
      }
      case 'request':
        await this.requestInOneLine(context, actor, command);
        return;
      case 'delegate':
      case 'delegate-end':
      case 'delegate-show':
        await answerDelegation(this.deps, context, actor, command);
        return;
      case 'status': {
        const outcome = await flows.status(actor, command.requestId);
        if (!outcome.ok) return void (await context.sendActivity(MessageFactory.text(failureText(outcome.error))));
        const value = outcome.value;
        const card =
          'items' in value
            ? listCard(value, 'You have no open requests.')
            : renderRequestCard(value.actions.includes('approve') ? 'approval' : 'requester', value);
        await context.sendActivity(cardActivity(card));
        return;
      }
      case 'mine': {
        const outcome = await flows.myRequests(actor, LIST_LIMIT * 2);
        if (!outcome.ok) return void (await context.sendActivity(MessageFactory.text(failureText(outcome.error))));
        await context.sendActivity(cardActivity(listCard(outcome.value, 'You have not requested anything yet.')));
        return;
      }
      case 'cancel': {
        // The flow finds the one open request of theirs the words name, and re-checks they may cancel it.
        const outcome = await flows.cancelNamed(actor, command.target);
        if (!outcome.ok) return void (await context.sendActivity(MessageFactory.text(failureText(outcome.error))));
        await context.sendActivity(
          cardActivity(renderRequestCard('requester', outcome.value, { notice: 'You cancelled this request.' })),
        );
        return;
      }
      case 'access': {
        const outcome = await flows.myAccess(actor);
        if (!outcome.ok) return void (await context.sendActivity(MessageFactory.text(failureText(outcome.error))));
        await context.sendActivity(cardActivity(accessCard(outcome.value)));
        return;
      }
      case 'pending': {
        const outcome = await flows.pendingApprovals(actor);
        if (!outcome.ok) return void (await context.sendActivity(MessageFactory.text(failureText(outcome.error))));
        const shown =
          outcome.value.items.length > 0 ? await this.deps.lists.remember(outcome.value, actor.userId) : undefined;
        const rejectNeedsReason = await flows.reasonRequired('reject');
        await context.sendActivity(
          cardActivity(listCard(outcome.value, NOTHING_PENDING, shown, undefined, { rejectNeedsReason })),
        );
        return;
      }
    }
  }

  private async requestInOneLine(
    context: TurnContext,
    actor: ChatIdentity,
    command: { what: string; duration?: string; because?: string },
  ): Promise<void> {
    if (command.duration && !parseDuration(command.duration)) {
      await context.sendActivity(
        MessageFactory.text(
          `⚠️ “${escapeWithin(command.duration, 100)}” is not a duration Gatehouse understands. Use something like “for 4h”, “for 2 days” or “for 1w”.`,
        ),
      );
      return;
    }
    const created = await this.deps.flows.requestAccess(actor, {
      text: command.what,
      justification: command.because,
      duration: command.duration,
      idempotencyKey: `teams:${context.activity.id}`,
      askForMissing: true,
    });
    if (!created.ok) {
      const held = created.error.cause;
      if (held instanceof AlreadyHasAccess)
        return void (await context.sendActivity(cardActivity(alreadyHeldCard(held))));
      return void (await context.sendActivity(MessageFactory.text(failureText(created.error))));
    }
    if (created.value.kind === 'choose') {
      const { query, choices, justification, duration } = created.value;
      const iso = duration ? parseDuration(duration) : undefined;
      await context.sendActivity(cardActivity(requestFormCard({ query, choices, justification, duration: iso })));
      return;
    }
    if (created.value.kind === 'form') {
      // A reason or duration the entry needs was not typed: the form drawn for it, the rest filled in.
      const { entry, missing, justification, duration } = created.value;
      const what = missing
        .map((field) => (field === 'justification' ? 'why you need it' : 'for how long'))
        .join(' and ');
      const next = `${escapeWithin(entry.name, 200)} needs to know ${what}: fill it in, then press Request.`;
      await context.sendActivity(
        cardActivity(requestFormCard({ entry: entry.id, drawnFor: entry, justification, duration, next })),
      );
      return;
    }
    await context.sendActivity(MessageFactory.text(confirmationText(created.value.request)));
  }
}
