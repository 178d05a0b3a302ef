import { describe, expect, it } from 'vitest';
import { serviceUrlPolicy } from '../../../src/adapters/teams/service-url.js';
import { tenantOf } from '../../../src/adapters/teams/tenant.js';

/**
 * The two rules the Teams route applies to an authenticated activity before its turn (issue 15;
 * audit F5, F6), as tables: where the bot may send its token, and which tenant an activity is from.
 */
describe('where the bot may send its token', () => {
  const production = serviceUrlPolicy({ enforced: true });

  it("accepts Microsoft's Teams service URLs, every region and cloud", () => {
    for (const url of [
      'https://smba.trafficmanager.net/amer/',
      'https://smba.trafficmanager.net/emea/',
      'https://smba.trafficmanager.net/apac/',
      'https://smba.trafficmanager.net/in/',
      'https://smba.trafficmanager.net/ch/',
      'https://smba.trafficmanager.net/teams/',
      'https://smba.trafficmanager.net/amer-client-ss.msg/',
      'https://SMBA.trafficmanager.net/amer/',
      'https://smba.infra.gcc.teams.microsoft.com/teams',
      'https://smba.infra.gov.teams.microsoft.us/teams',
      'https://smba.infra.dod.teams.microsoft.us/teams',
    ]) {
      expect(production(url), url).toBe(true);
    }
  });

  it('refuses anything else outside sandbox mode: other hosts, look-alikes, plain HTTP, ports, credentials', () => {
    for (const url of [
      'https://connector.attacker.example/amer/',
      'https://smba.trafficmanager.net.attacker.example/amer/',
      'https://attacker.example/smba.trafficmanager.net/',
      'https://evil.smba.trafficmanager.net/amer/',
      'http://smba.trafficmanager.net/amer/',
      'https://smba.trafficmanager.net:8443/amer/',
      'https://user:pass@smba.trafficmanager.net/amer/',
      'http://127.0.0.1:3000/sandbox/teams/',
      'not a url',
      '',
      undefined,
    ]) {
      expect(production(url), String(url)).toBe(false);
    }
  });

  it('accepts the configured service URL (the sandbox stand-in) and what lies below it, nothing beside it', () => {
    const policy = serviceUrlPolicy({ enforced: true, configured: 'http://127.0.0.1:3000/sandbox/teams' });
    expect(policy('http://127.0.0.1:3000/sandbox/teams')).toBe(true);
    expect(policy('http://127.0.0.1:3000/sandbox/teams/')).toBe(true);
    expect(policy('https://smba.trafficmanager.net/amer/')).toBe(true);
    expect(policy('http://127.0.0.1:3000/sandbox/teamsx/')).toBe(false);
    expect(policy('http://127.0.0.1:3000/sandbox/')).toBe(false);
    expect(policy('http://127.0.0.1:3001/sandbox/teams/')).toBe(false);
  });

  it('checks nothing without authentication (sandbox mode, loopback only)', () => {
    expect(serviceUrlPolicy({ enforced: false })('http://127.0.0.1:9/anything/')).toBe(true);
  });
});

describe('which tenant an activity comes from', () => {
  const OURS = '00000000-0000-4000-8000-00000000ac3e';
  const OTHER = '00000000-0000-4000-8000-0000000e1e5e';
  const claims = (tid?: string) => ({ getClaimValue: (type: string) => (type === 'tid' && tid ? tid : null) });
  const activity = (conversation?: string, channelData?: string) => ({
    conversation: { id: 'a:1', tenantId: conversation } as never,
    channelData: channelData ? { tenant: { id: channelData } } : {},
  });

  it('takes the tenant the token vouches for, else what the activity names, and serves only its own', () => {
    expect(tenantOf(activity(OURS, OURS), claims(), OURS)).toEqual({ ok: true, tenant: OURS });
    expect(tenantOf(activity(undefined, OURS), claims(), OURS)).toEqual({ ok: true, tenant: OURS });
    expect(tenantOf(activity(), claims(OURS), OURS)).toEqual({ ok: true, tenant: OURS });
    expect(tenantOf(activity(OURS.toUpperCase(), OURS), claims(), OURS)).toEqual({ ok: true, tenant: OURS });
    expect(tenantOf(activity(OTHER, OTHER), claims(), OURS)).toMatchObject({ ok: false, reason: 'other' });
    expect(tenantOf(activity(), claims(), OURS)).toMatchObject({ ok: false, reason: 'other' });
  });

  it('refuses an activity that names two tenants, whichever it names first', () => {
    expect(tenantOf(activity(OURS, OTHER), claims(), OURS)).toMatchObject({ ok: false, reason: 'conflict' });
    expect(tenantOf(activity(OTHER, OURS), claims(), OURS)).toMatchObject({ ok: false, reason: 'conflict' });
    expect(tenantOf(activity(OURS, OURS), claims(OTHER), OURS)).toMatchObject({
      ok: false,
      reason: 'conflict',
      named: { claim: OTHER, conversation: OURS, channelData: OURS },
    });
  });
});
