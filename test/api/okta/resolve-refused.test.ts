import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { OktaGovernance } from '../../../src/api/okta/client.js';
import { GovernanceRejected } from '../../../src/domain/errors.js';
import type { Principal } from '../../../src/domain/types.js';
import { createMetrics } from '../../../src/metrics.js';
import { BOB_ID, ORG, oktaCompletedTask, oktaError, oktaTask, REQUEST_ID, TASK_ID } from '../../fixtures/okta/index.js';

/**
 * Okta answers 400 to resolving a task it already completed, but a 400 can say other things too:
 * what the approver is told depends on the task as Okta then shows it, never on the status alone.
 */
const TASK_PATH = `/governance/api/v2/tasks/${TASK_ID}`;
const JSON_HEADERS = { 'content-type': 'application/json' };
const bob: Principal = { id: BOB_ID, email: 'bob@acme.example', displayName: 'Bob Okafor', active: true };

afterEach(() => {
  nock.cleanAll();
});

function decide() {
  const client = new OktaGovernance({
    orgUrl: ORG,
    auth: { kind: 'ssws', token: 'test-token' },
    timeoutMs: 500,
    baseBackoffMs: 5,
    metrics: createMetrics(),
  });
  return client.decide({ requestId: REQUEST_ID, taskId: TASK_ID, approver: bob, decision: 'approve' }).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('Okta refusing to resolve a task with 400', () => {
  it('says the step is no longer open when Okta shows it completed', async () => {
    nock(ORG)
      .get(TASK_PATH)
      .reply(200, oktaTask(), JSON_HEADERS)
      .post(`${TASK_PATH}/resolve`)
      .reply(400, oktaError('E0000001', 'Api validation failed: task'), JSON_HEADERS)
      .get(TASK_PATH)
      .reply(200, oktaCompletedTask('DENIED'), JSON_HEADERS);
    const error = await decide();
    expect(error).toBeInstanceOf(GovernanceRejected);
    expect((error as GovernanceRejected).userMessage).toBe('This approval step is no longer open in Okta.');
  });

  it('passes on what Okta said when the step is still open', async () => {
    nock(ORG)
      .get(TASK_PATH)
      .reply(200, oktaTask(), JSON_HEADERS)
      .post(`${TASK_PATH}/resolve`)
      .reply(400, oktaError('E0000001', 'Api validation failed: value'), JSON_HEADERS)
      .get(TASK_PATH)
      .reply(200, oktaTask(), JSON_HEADERS);
    const error = await decide();
    expect(error).toBeInstanceOf(GovernanceRejected);
    expect((error as GovernanceRejected).userMessage).not.toContain('no longer open');
    expect((error as GovernanceRejected).userMessage).toContain('Api validation failed');
  });
});
