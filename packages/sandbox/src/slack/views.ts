import { type Args, requiredString, stringArg, structuredArg } from './args.js';
import { viewProblems, viewTooLarge } from './block-kit.js';
import { isObject } from './block-kit-objects.js';
import { invalidView, missingArgument, SlackApiError } from './errors.js';
import type { Json, ViewRecord } from './records.js';
import { SLACK_SEED } from './seed.js';
import { storedBlocks } from './stored-blocks.js';
import type { SlackWorkspace } from './workspace.js';

/** views.open, .push, .update and .publish: modals (a stack of at most 3 views) and the Home tab. */

const MAX_STACK = 3;

export function open(workspace: SlackWorkspace, args: Args): Json {
  const trigger = workspace.exchangeTrigger(requiredString(args, 'trigger_id'));
  const view = readView(workspace, args, 'modal');
  // A new modal replaces whatever modal the user had open; pushing onto it is views.push.
  workspace.closeModal(trigger.user);
  const record = createView(workspace, view, trigger.user, undefined);
  workspace.modalStack(trigger.user).push(record.id);
  return { view: viewJson(record) };
}

export function push(workspace: SlackWorkspace, args: Args): Json {
  const trigger = workspace.exchangeTrigger(requiredString(args, 'trigger_id'));
  const source = trigger.viewId ? workspace.viewRecord(trigger.viewId) : undefined;
  if (source?.type === 'home') {
    throw invalidView([
      "must match the `type` of the root view whose stack we're pushing onto [json-pointer:/view/type]",
    ]);
  }
  const view = readView(workspace, args, 'modal');
  const stack = workspace.modalStack(trigger.user);
  const top = stack.at(-1);
  if (top === undefined) throw new SlackApiError('not_found');
  if (stack.length >= MAX_STACK) throw new SlackApiError('push_limit_reached');
  const record = createView(workspace, view, trigger.user, { root: stack[0] ?? top, previous: top });
  stack.push(record.id);
  return { view: viewJson(record) };
}

/** By view_id or external_id; a `hash` that is no longer current is a `hash_conflict`. */
export function update(workspace: SlackWorkspace, args: Args): Json {
  const viewId = stringArg(args, 'view_id');
  const externalId = stringArg(args, 'external_id');
  if (viewId === undefined && externalId === undefined) throw missingArgument('view_id');
  const target = viewId !== undefined ? workspace.viewRecord(viewId) : workspace.viewByExternalId(externalId ?? '');
  if (!target?.open) throw new SlackApiError('not_found');
  const hash = stringArg(args, 'hash');
  if (hash !== undefined && hash !== target.hash) throw new SlackApiError('hash_conflict');
  const view = readView(workspace, args, target.type, target.id);
  replaceView(workspace, target, view);
  return { view: viewJson(target) };
}

/** The Home tab keeps one view per user: publishing again replaces it (same id, new hash). */
export function publish(workspace: SlackWorkspace, args: Args): Json {
  const userId = requiredString(args, 'user_id');
  if (!workspace.user(userId)) throw new SlackApiError('user_not_found');
  const currentId = workspace.homeViewId(userId);
  const current = currentId === undefined ? undefined : workspace.viewRecord(currentId);
  const hash = stringArg(args, 'hash');
  if (hash !== undefined && current && hash !== current.hash) throw new SlackApiError('hash_conflict');
  const view = readView(workspace, args, 'home', current?.id);
  if (current) {
    replaceView(workspace, current, view);
    return { view: viewJson(current) };
  }
  const record = createView(workspace, view, userId, undefined);
  workspace.setHome(userId, record.id);
  return { view: viewJson(record) };
}

/** The view argument, checked: JSON, at most 250 kB, within Block Kit's limits, of the expected type. */
function readView(workspace: SlackWorkspace, args: Args, type: 'modal' | 'home', replacing?: string): Json {
  const view = structuredArg(args, 'view', () => invalidView(['invalid json [json-pointer:/view]']));
  if (view === undefined) throw missingArgument('view');
  if (viewTooLarge(view)) throw new SlackApiError('view_too_large');
  const problems = viewProblems(view);
  if (problems.length > 0) throw invalidView(problems);
  const checked = view as Json;
  if (checked.type !== type) throw invalidView([`must be ${type} [json-pointer:/view/type]`]);
  const externalId = typeof checked.external_id === 'string' ? checked.external_id : undefined;
  const holder = externalId === undefined ? undefined : workspace.viewByExternalId(externalId);
  if (holder && holder.id !== replacing) throw new SlackApiError('duplicate_external_id');
  return checked;
}

export function createView(
  workspace: SlackWorkspace,
  view: Json,
  user: string,
  stack: { root: string; previous: string } | undefined,
): ViewRecord {
  const id = workspace.ids.view();
  const record: ViewRecord = {
    id,
    type: view.type === 'home' ? 'home' : 'modal',
    user,
    view: structuredClone(view),
    blocks: storedBlocks(Array.isArray(view.blocks) ? view.blocks.filter(isObject) : [], () => workspace.ids.filler()),
    hash: workspace.ids.hash(),
    rootViewId: stack?.root ?? id,
    previousViewId: stack?.previous ?? null,
    ...(typeof view.external_id === 'string' ? { externalId: view.external_id } : {}),
    state: { values: {} },
    open: true,
  };
  workspace.saveView(record);
  return record;
}

/**
 * A view's new content. What the user typed survives for inputs whose block_id and action_id are
 * unchanged, as Slack keeps it; the rest is dropped.
 */
export function replaceView(workspace: SlackWorkspace, record: ViewRecord, view: Json): void {
  record.view = structuredClone(view);
  record.blocks = storedBlocks(Array.isArray(view.blocks) ? view.blocks.filter(isObject) : [], () =>
    workspace.ids.filler(),
  );
  record.hash = workspace.ids.hash();
  if (typeof view.external_id === 'string') record.externalId = view.external_id;
  const kept = new Set(record.blocks.map((block) => block.block_id));
  record.state.values = Object.fromEntries(Object.entries(record.state.values).filter(([id]) => kept.has(id)));
  delete record.errors;
}

/** A view as Slack returns it from views.* and sends it in interaction payloads. */
export function viewJson(record: ViewRecord): Json {
  const view = record.view;
  return {
    id: record.id,
    team_id: SLACK_SEED.teamId,
    type: record.type,
    blocks: structuredClone(record.blocks),
    private_metadata: typeof view.private_metadata === 'string' ? view.private_metadata : '',
    callback_id: typeof view.callback_id === 'string' ? view.callback_id : '',
    state: structuredClone(record.state),
    hash: record.hash,
    title: view.title ?? null,
    clear_on_close: view.clear_on_close === true,
    notify_on_close: view.notify_on_close === true,
    close: view.close ?? null,
    submit: view.submit ?? null,
    previous_view_id: record.previousViewId,
    root_view_id: record.rootViewId,
    app_id: SLACK_SEED.appId,
    external_id: record.externalId ?? '',
    app_installed_team_id: SLACK_SEED.teamId,
    bot_id: SLACK_SEED.bot.botId,
  };
}
