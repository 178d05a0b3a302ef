import { SEED } from '@gatehouse/sandbox/okta';
import { slackEscaped } from '@gatehouse/sandbox/slack';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { typedText } from '../../../src/adapters/slack/listeners/typed-text.js';
import { eventually, messageAbout, S, type SlackWorld, shown, startSlackWorld } from '../../support/slack-world.js';

describe('reading back what a person typed from what Slack sent', () => {
  it('undoes exactly the three entities Slack makes of &, < and >', () => {
    expect(typedText('R&amp;D &lt;Q3&gt;')).toBe('R&D <Q3>');
    // Once only: an entity the person typed comes back as typed.
    expect(typedText(slackEscaped('&lt; means <, &amp;amp; too'))).toBe('&lt; means <, &amp;amp; too');
    expect(typedText('&quot;it&#39;s&quot; &nbsp;')).toBe('&quot;it&#39;s&quot; &nbsp;');
  });

  it('shows mentions and links as the person saw them, never hiding where a link goes', () => {
    expect(typedText('ask <@U0BOB> and <@U0DANA|dana>')).toBe('ask <@U0BOB> and @dana');
    expect(typedText('see <#C0GENERAL|general> and <#C0APPROVALS>')).toBe('see #general and <#C0APPROVALS>');
    expect(typedText('<!here> <!channel> <!everyone> <!subteam^S0ADMINS|@admins>')).toBe(
      '@here @channel @everyone @admins',
    );
    expect(typedText('<https://jira.example/browse/IT-1>')).toBe('https://jira.example/browse/IT-1');
    expect(typedText('<http://jira.example|jira.example> <mailto:bob@acme.example|bob@acme.example>')).toBe(
      'jira.example bob@acme.example',
    );
    expect(typedText('<https://evil.example/login|IT-1 &amp; IT-2>')).toBe('IT-1 & IT-2 (https://evil.example/login)');
    expect(typedText('<https://x.example/?a=1&amp;b=2>')).toBe('https://x.example/?a=1&b=2');
  });
});

describe('a typed reason reaches the governance system as typed and Slack escaped once', () => {
  let world: SlackWorld;
  beforeEach(async () => {
    world = await startSlackWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  const justificationOf = async (entryId: string) => {
    const request = await eventually(() =>
      world.okta.requests.find((candidate) => candidate.requested.entryId === entryId),
    );
    return { request, values: request.requesterFieldValues.map((field) => field.value) };
  };

  it('`request Zoom Pro because R&D <Q3>` is stored as `R&D <Q3>` and shown `R&amp;D &lt;Q3&gt;`', async () => {
    const answer = await world.driver.command(S.alice.id, 'request Zoom Pro because R&D <Q3>');
    // The stand-in sends it as Slack does.
    expect(new URLSearchParams(answer.request?.body).get('text')).toBe('request Zoom Pro because R&amp;D &lt;Q3&gt;');
    const { request, values } = await justificationOf(SEED.entries.zoomPro.id);
    expect(values).toContain('R&D <Q3>');
    const card = await eventually(() => messageAbout(world.slack.dmWith(S.dana.id), request.id));
    expect(shown(card)).toContain('R&amp;D &lt;Q3&gt;');
    expect(shown(card)).not.toContain('&amp;amp;');
    expect(shown(card)).not.toContain('&amp;lt;');
  });

  it('a reason with a mention, a channel and a link is stored readable and shown inert', async () => {
    const sent = 'request Zoom Pro because <@U0BOB> said so in <#C0GENERAL|general>, see <https://evil.example/x|IT-7>';
    await world.driver.command(S.alice.id, sent, { asSent: true });
    const { request, values } = await justificationOf(SEED.entries.zoomPro.id);
    expect(values).toContain('<@U0BOB> said so in #general, see IT-7 (https://evil.example/x)');
    const card = await eventually(() => messageAbout(world.slack.dmWith(S.dana.id), request.id));
    expect(shown(card)).toContain('&lt;@U0BOB&gt; said so in #general, see IT-7 (https://evil.example/x)');
    expect(shown(card)).not.toContain('<@U0BOB>');
  });
});
