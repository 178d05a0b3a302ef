/**
 * @gatehouse/sandbox: the emulated Okta, PingOne AIC, Slack and Teams, and the playground, for
 * sandbox mode and tests only. Gatehouse imports this entry point dynamically, and only in
 * sandbox mode (src/server.ts); a production start never loads it. Tests and benchmarks reach
 * each world through its own subpath (`@gatehouse/sandbox/okta`, `/pingone`, `/slack`, `/teams`).
 */
export { type MountOptions, mountSandbox } from './mount.js';
export { type SandboxOptions, sandboxPlugin } from './plugin.js';
