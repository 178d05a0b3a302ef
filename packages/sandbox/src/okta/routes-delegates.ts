import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { EmulatorContext } from './context.js';
import type { DelegateAppointmentRecord } from './delegates.js';
import { invalidQuery, notFound, parseBody, validationFailed } from './errors.js';
import { listLinks, pageAfter, queryParam, readLimit } from './paging.js';

/**
 * Governance delegates (Beta), from Okta's OpenAPI document: `GET /governance/api/v1/delegates`
 * (listDelegateAppointments: scope okta.governance.delegates.read; `filter` takes only `delegatorId`
 * with `eq`, joined by OR) and `PATCH /governance/api/v1/principal-settings/{targetPrincipalId}`
 * (updatePrincipalSettings: scope okta.governance.principalSettings.manage; at most one appointment,
 * `[]` ends it). Both need the Super Admin role.
 */

const READ = 'okta.governance.delegates.read';
const MANAGE = 'okta.governance.principalSettings.manage';
const DELEGATES = '/governance/api/v1/delegates';
const SETTINGS = '/governance/api/v1/principal-settings';

const principal = z.object({ type: z.literal('OKTA_USER'), externalId: z.string().regex(/^00u[0-9a-zA-Z]{17}$/) });
const moment = z.iso.datetime({ offset: true });

/** [principal-settings-patchable]: [delegate-patchable] `delegate` required, note <= 1,000. */
const settingsBody = z.object({
  delegates: z
    .object({
      appointments: z
        .array(
          z.object({
            delegate: principal,
            note: z.string().max(1000).optional(),
            startTime: moment.optional(),
            endTime: moment.optional(),
          }),
        )
        .max(1)
        .nullish(),
    })
    .optional(),
});

/** `delegatorId eq "00u…"`, several joined by OR, in parentheses or not: the only filter documented. */
function delegatorsIn(filter: string): Set<string> {
  const inner = filter.trim().replace(/^\((.*)\)$/s, '$1');
  const ids = new Set<string>();
  for (const part of inner.split(/\s+OR\s+/i)) {
    const match = /^delegatorId\s+eq\s+"([^"]+)"$/.exec(part.trim());
    if (!match) throw invalidQuery('filter', 'Only delegatorId eq "<id>" expressions joined by OR are supported');
    ids.add(match[1] as string);
  }
  return ids;
}

function render(appointment: DelegateAppointmentRecord) {
  return {
    id: appointment.id,
    delegator: { type: 'OKTA_USER' as const, externalId: appointment.delegatorId },
    delegate: { type: 'OKTA_USER' as const, externalId: appointment.delegateId },
    ...(appointment.startTime ? { startTime: appointment.startTime } : {}),
    ...(appointment.endTime ? { endTime: appointment.endTime } : {}),
    ...(appointment.note !== undefined ? { note: appointment.note } : {}),
    created: appointment.created,
    createdBy: appointment.createdBy,
    lastUpdated: appointment.lastUpdated,
    lastUpdatedBy: appointment.lastUpdatedBy,
  };
}

export function delegateRoutes(app: FastifyInstance, context: EmulatorContext): void {
  const { org } = context;

  app.get(DELEGATES, async (request, reply) => {
    context.requireScope(request, READ);
    const filter = queryParam(request, 'filter');
    const wanted = filter === undefined ? undefined : delegatorsIn(filter);
    const limit = readLimit(request, { fallback: 20 });
    const all = org.delegates.all().filter((one) => !wanted || wanted.has(one.delegatorId));
    const { page, nextAfter } = pageAfter(all, request, limit);
    return { data: page.map(render), _links: listLinks(request, reply, nextAfter) };
  });

  app.patch<{ Params: { id: string } }>(`${SETTINGS}/:id`, async (request) => {
    const { actor } = context.requireScope(request, MANAGE);
    const delegatorId = request.params.id;
    const delegator = org.directory.user(delegatorId);
    if (!delegator) throw notFound();
    const body = parseBody(settingsBody, request.body);
    const asked = body.delegates?.appointments;
    if (asked === undefined) return { delegates: { appointments: listed(delegatorId) } };
    const [wanted] = asked ?? [];
    if (wanted) {
      const problem = (summary: string, location: string) =>
        validationFailed([{ errorSummary: summary, reason: 'INVALID_VALUE', location, locationType: 'body' }]);
      const where = '/delegates/appointments/0';
      const delegate = org.directory.user(wanted.delegate.externalId);
      if (delegate?.status !== 'ACTIVE') {
        throw problem(`User ${wanted.delegate.externalId} is not an active user`, `${where}/delegate/externalId`);
      }
      if (delegate.id === delegatorId) throw problem('A user cannot be their own delegate', `${where}/delegate`);
      const start = wanted.startTime ? Date.parse(wanted.startTime) : org.now();
      if (wanted.endTime && Date.parse(wanted.endTime) <= Math.max(start, org.now())) {
        throw problem('endTime must be after startTime and in the future', `${where}/endTime`);
      }
    }
    org.delegates.set(
      delegatorId,
      wanted && {
        delegateId: wanted.delegate.externalId,
        ...(wanted.startTime ? { startTime: new Date(wanted.startTime).toISOString() } : {}),
        ...(wanted.endTime ? { endTime: new Date(wanted.endTime).toISOString() } : {}),
        ...(wanted.note !== undefined ? { note: wanted.note } : {}),
      },
      actor.externalId,
    );
    return { delegates: { appointments: listed(delegatorId) } };
  });

  function listed(delegatorId: string) {
    const appointment = org.delegates.of(delegatorId);
    return appointment ? [render(appointment)] : [];
  }
}
