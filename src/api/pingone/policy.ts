import type { GovernancePolicy } from '../governance.js';
import type { PingOneHttp } from './http.js';
import { accessRequestConfig } from './wire.js';

export const CONFIG_PATH = '/iga/commons/config/iga_access_request';
const POLICY_TTL_MS = 60_000;

/** The rules IGA's `iga_access_request` configuration sets for requests and decisions, read every minute. */
export class PingOnePolicy {
  private cached?: { value: GovernancePolicy; until: number };

  constructor(private readonly http: PingOneHttp) {}

  async read(): Promise<GovernancePolicy> {
    if (this.cached && this.cached.until > this.http.now()) return this.cached.value;
    const { body } = await this.http.get('policy', CONFIG_PATH, accessRequestConfig);
    const value: GovernancePolicy = {
      requireRequestJustification: body.requireRequestJustification ?? false,
      requireRejectReason: body.requireRejectJustification ?? false,
      requireApproveReason: body.requireApproveJustification ?? false,
      allowSelfApproval: body.allowSelfApproval ?? false,
    };
    this.cached = { value, until: this.http.now() + POLICY_TTL_MS };
    return value;
  }
}
