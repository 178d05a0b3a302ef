import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { EmulatorContext } from './context.js';
import { invalidQuery, notFound, parseBody, validationFailed } from './errors.js';
import { compileFilter, type FilterAttributes, FilterRejected, parseFilter } from './filter.js';
import { listLinks, orderByTime, pageAfter, queryParam, readLimit, readOrderBy } from './paging.js';
import type { TaskRecord } from './records.js';
import { renderTask, renderTaskSparse } from './render.js';
import { resolveTaskBody } from './wire.js';

const READ = 'okta.accessRequests.tasks.read';
const MANAGE = 'okta.accessRequests.tasks.manage';
const TASKS = '/governance/api/v2/tasks';

const moment = (read: (task: TaskRecord) => string) =>
  ({ operators: ['gt', 'ge', 'lt', 'le'], read, kind: 'date' }) as const;

const TASK_ATTRIBUTES: FilterAttributes<TaskRecord> = {
  requestId: { operators: ['eq'], read: (task) => task.requestId },
  assigneeId: { operators: ['eq'], read: (task) => task.assignees.map((assignee) => assignee.externalId) },
  status: { operators: ['eq'], read: (task) => task.status, values: ['OPEN', 'COMPLETED', 'ASSIGNING', 'LOCKED'] },
  type: { operators: ['eq'], read: (task) => task.type, values: ['QUESTION', 'APPROVAL', 'TODO'] },
  createdAt: moment((task) => task.createdAt),
  updatedAt: moment((task) => task.updatedAt),
};

/** Okta replaces all assignees at once, at most ten. */
const reassignBody = z.object({
  assignees: z
    .array(z.object({ externalId: z.string().min(1), type: z.literal('OKTA_USER') }))
    .min(1)
    .max(10),
});

function taskQuery(request: FastifyRequest): (task: TaskRecord) => boolean {
  const filter = queryParam(request, 'filter');
  if (filter === undefined) return () => true;
  try {
    // `(status eq "OPEN" or status eq "ASSIGNING")` is documented, so `or` is allowed here.
    return compileFilter(parseFilter(filter), TASK_ATTRIBUTES, { allowOr: true });
  } catch (error) {
    if (error instanceof FilterRejected) throw invalidQuery('filter', error.message);
    throw error;
  }
}

/**
 * The (Beta) Tasks API: one APPROVAL task per approval step. An admin may resolve any task; the
 * decision is recorded as the caller's.
 */
export function taskRoutes(app: FastifyInstance, context: EmulatorContext): void {
  const { org } = context;

  app.get(TASKS, async (request, reply) => {
    context.requireScope(request, READ);
    const wanted = taskQuery(request);
    const limit = readLimit(request, { fallback: 20 });
    const order = readOrderBy(request, ['createdAt', 'updatedAt'], 'createdAt');
    const tasks = orderByTime(
      org.findTasks(wanted),
      (task) => (order.field === 'createdAt' ? task.createdAt : task.updatedAt),
      order.direction,
    );
    const { page, nextAfter } = pageAfter(tasks, request, limit);
    return { data: page.map(renderTaskSparse), _links: listLinks(request, reply, nextAfter) };
  });

  app.get<{ Params: { id: string } }>(`${TASKS}/:id`, async (request) => {
    context.requireScope(request, READ);
    const task = org.task(request.params.id);
    if (!task) throw notFound();
    return renderTask(task, context.base(request));
  });

  app.post<{ Params: { id: string } }>(`${TASKS}/:id/resolve`, async (request) => {
    const { actor } = context.requireScope(request, MANAGE);
    if (!org.task(request.params.id)) throw notFound();
    const { value } = parseBody(resolveTaskBody, request.body);
    return renderTask(org.resolveTask(request.params.id, value, actor), context.base(request));
  });

  app.patch<{ Params: { id: string } }>(`${TASKS}/:id`, async (request) => {
    const { actor } = context.requireScope(request, MANAGE);
    if (!org.task(request.params.id)) throw notFound();
    const { assignees } = parseBody(reassignBody, request.body);
    const unknown = assignees.findIndex((assignee) => org.directory.user(assignee.externalId) === undefined);
    if (unknown >= 0) {
      throw validationFailed([
        {
          errorSummary: `User ${assignees[unknown]?.externalId} was not found`,
          reason: 'IDENTIFIER_NOT_FOUND',
          location: `/assignees/${unknown}/externalId`,
          locationType: 'body',
        },
      ]);
    }
    const ids = assignees.map((assignee) => assignee.externalId);
    return renderTask(org.reassignTask(request.params.id, ids, actor), context.base(request));
  });
}
