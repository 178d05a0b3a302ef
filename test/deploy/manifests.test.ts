import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createGatehouse, type Gatehouse } from '../../src/app.js';
import { environment } from '../../src/config/environment.js';
import { loadConfig, SECRET_VARIABLES } from '../../src/config.js';
import { freePort } from '../support/free-port.js';
import { testLogger } from '../support/test-logger.js';
import { all, last, parseHealthcheck, ROOT, readDockerfile } from './dockerfile.js';

/**
 * What an operator relies on in deploy/kubernetes and docker-compose.yml (issue 20): the probes
 * reach real routes on the real port, two replicas that a drain cannot both take, non-root, every
 * secret from a file, Redis as README advises. Read as Kubernetes reads them (YAML 1.1: 0440 is octal).
 */

const KUBERNETES = join(ROOT, 'deploy/kubernetes');
const DEFAULT_PORT = environment.shape.PORT.parse(undefined);

// ── Kubernetes shapes, as far as these tests read them ──────────────────────────────────────────

interface Probe {
  httpGet?: { path: string; port: string | number };
  timeoutSeconds?: number;
}
interface Container {
  name: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    runAsNonRoot?: boolean;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[] };
  };
}
interface PodSpec {
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; runAsGroup?: number; fsGroup?: number };
  containers: Container[];
  volumes?: { name: string; secret?: { secretName: string; defaultMode?: number } }[];
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
interface Deployment extends Manifest {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    strategy?: { rollingUpdate?: { maxUnavailable?: number } };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}

function readYaml<T>(path: string): T {
  return parse(readFileSync(path, 'utf8'), { version: '1.1' }) as T;
}

const kustomization = readYaml<{ resources: string[] }>(join(KUBERNETES, 'kustomization.yaml'));
const applied = kustomization.resources.map((file) => readYaml<Manifest>(join(KUBERNETES, file)));
const one = <T extends Manifest>(kind: string): T => {
  const found = applied.filter((manifest) => manifest.kind === kind);
  expect(found, `kustomization.yaml applies one ${kind}`).toHaveLength(1);
  return found[0] as T;
};
const deployment = one<Deployment>('Deployment');
const pod = deployment.spec.template.spec;
const container = pod.containers.find((c) => c.name === 'gatehouse') as Container;
const configMap = one<Manifest & { data: Record<string, string> }>('ConfigMap');
const exampleSecret = readYaml<Manifest & { stringData: Record<string, string> }>(
  join(KUBERNETES, 'secret.example.yaml'),
);
const secretVolume = pod.volumes?.find((volume) => volume.secret);
const secretMount = container.volumeMounts?.find((mount) => mount.name === secretVolume?.name);

/** The container port a probe or Service names, by name or number. */
function containerPort(port: string | number | undefined): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((candidate) => candidate.name === port)?.containerPort;
}

/** A constant of the source, so a change to Gatehouse's shutdown is a change these manifests hear of. */
function constantMs(file: string, name: string): number {
  const match = new RegExp(`const ${name} = ([\\d_]+);`).exec(readFileSync(join(ROOT, file), 'utf8'));
  if (!match?.[1]) throw new Error(`${name} is no longer a plain number in ${file}: size the grace periods again`);
  return Number(match[1].replaceAll('_', ''));
}

/**
 * The longest Gatehouse's graceful stop waits on its own: the queue's running jobs (BullMQ's
 * close, then it disconnects), then the last HTTP request (cut off at the request deadline).
 */
const SHUTDOWN_MS =
  constantMs('src/notifier/bullmq-queue.ts', 'CLOSE_GRACE_MS') + constantMs('src/server.ts', 'REQUEST_TIMEOUT_MS');

/** Writes the secrets to files and points the `_FILE` variables there, as a mounted Secret would. */
function withSecretFiles(env: Record<string, string>, secrets: Record<string, string>, mountPath: string) {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-secrets-'));
  for (const [key, value] of Object.entries(secrets)) writeFileSync(join(dir, key), `${value}\n`);
  const mounted = Object.fromEntries(
    Object.entries(env).map(([name, value]) => [
      name,
      value.startsWith(`${mountPath}/`) ? value.replace(mountPath, dir) : value,
    ]),
  );
  return { env: mounted, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('the Kubernetes manifests', () => {
  let sandbox: Gatehouse;

  beforeAll(async () => {
    // Listening: its readiness asks the emulated Okta, which it serves itself.
    const port = await freePort();
    const config = loadConfig({ PORT: String(port), LOG_LEVEL: 'silent' });
    sandbox = await createGatehouse(config, { logger: testLogger(config) });
    await sandbox.server.listen({ port, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await sandbox?.close();
  });

  it('are all applied by kustomization.yaml, except the example Secret, which would overwrite real ones', () => {
    expect(applied.map((manifest) => manifest.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'PodDisruptionBudget',
      'Service',
    ]);
    expect(kustomization.resources).not.toContain('secret.example.yaml');
  });

  it('probe routes the server answers 200 when healthy, on the port Gatehouse listens on', async () => {
    expect(container.startupProbe?.httpGet?.path).toBe('/healthz');
    expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
    for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
      expect(containerPort(probe?.httpGet?.port)).toBe(DEFAULT_PORT);
      const answer = await sandbox.server.inject({ method: 'GET', url: probe?.httpGet?.path ?? '' });
      expect(answer.statusCode, probe?.httpGet?.path).toBe(200);
    }
    // The probes and the container port assume the default: nothing moves Gatehouse off it.
    expect(configMap.data.PORT ?? String(DEFAULT_PORT)).toBe(String(DEFAULT_PORT));
    expect(container.env ?? []).not.toContainEqual(expect.objectContaining({ name: 'PORT' }));
  });

  it('gives readiness longer than Gatehouse takes to say Redis or the governance backend is away', () => {
    const readinessCheckMs = constantMs('src/server.ts', 'READINESS_TIMEOUT_MS');
    expect((container.readinessProbe?.timeoutSeconds ?? 1) * 1000).toBeGreaterThan(readinessCheckMs);
  });

  it('serves the pods through the Service on the container port', () => {
    const service = one<Manifest & { spec: { selector: Record<string, string>; ports: { targetPort: string }[] } }>(
      'Service',
    );
    expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    expect(service.spec.ports.map((port) => containerPort(port.targetPort))).toEqual([DEFAULT_PORT]);
  });

  it('runs two replicas or more, and a rollout or a drain always leaves one answering', () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(deployment.spec.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
    const pdb = one<Manifest & { spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } }>(
      'PodDisruptionBudget',
    );
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
    // It counts exactly the Deployment's pods.
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(deployment.spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
  });

  it('runs as the image’s non-root user, read-only, without privileges or a service account token', () => {
    const runtime = readDockerfile().stages.at(-1);
    const [uid, gid] = (runtime && last(runtime, 'USER')?.args.split(':').map(Number)) ?? [];
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: uid, runAsGroup: gid });
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it('asks for resources and caps them', () => {
    expect(Object.keys(container.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(container.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
  });

  it('lets Gatehouse finish its graceful stop before Kubernetes kills it', () => {
    const preStop = container.lifecycle?.preStop?.exec?.command ?? [];
    const pauseMs = preStop[0] === 'sleep' ? Number(preStop[1]) * 1000 : 0;
    expect((pod.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThan(pauseMs + SHUTDOWN_MS);
  });

  it('reads every secret from a file of the Secret, and holds none in the ConfigMap or the pod spec', () => {
    expect(secretVolume?.secret?.secretName).toBe(exampleSecret.metadata.name);
    expect(secretMount?.readOnly).toBe(true);
    // The image's group reads it (fsGroup); nobody else.
    expect(pod.securityContext?.fsGroup).toBe(pod.securityContext?.runAsGroup);
    expect((secretVolume?.secret?.defaultMode ?? 0o644) & 0o047).toBe(0o040);
    const mountPath = secretMount?.mountPath ?? '';

    const data = configMap.data;
    const text = readFileSync(join(KUBERNETES, 'configmap.yaml'), 'utf8');
    for (const name of SECRET_VARIABLES) {
      expect(data[name], `${name} in the ConfigMap`).toBeUndefined();
      expect(container.env ?? []).not.toContainEqual(expect.objectContaining({ name }));
      // Set, or offered as a commented line for the other backends and Slack's Socket Mode.
      const line = new RegExp(`^\\s*(# )?${name}_FILE: ${mountPath}/${name}$`, 'm');
      expect(text, `${name}_FILE: ${mountPath}/${name}`).toMatch(line);
    }
    // Every file named is a key of the Secret, and the Secret holds nothing unread.
    const named = Object.entries(data).filter(([name]) => name.endsWith('_FILE'));
    expect(named.map(([, path]) => path.replace(`${mountPath}/`, '')).sort()).toEqual(
      Object.keys(exampleSecret.stringData).sort(),
    );
    // No secret value of the example made its way into the ConfigMap.
    for (const value of Object.values(exampleSecret.stringData)) {
      expect(Object.values(data)).not.toContain(value);
    }
    expect(container.envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }]);
  });

  it('example Secret holds placeholders that say so', () => {
    for (const [key, value] of Object.entries(exampleSecret.stringData)) {
      expect(value, key).toContain('REPLACE-ME');
    }
  });

  it('make, ConfigMap and Secret together, a production configuration Gatehouse accepts', () => {
    const { env, cleanup } = withSecretFiles(configMap.data, exampleSecret.stringData, secretMount?.mountPath ?? '');
    try {
      const config = loadConfig(env);
      expect(config.mode).toBe('production');
      expect(config.governance.provider).toBe('okta');
      expect(config.slack?.botToken).toBe(exampleSecret.stringData.SLACK_BOT_TOKEN);
      expect(config.teams?.appPassword).toBe(exampleSecret.stringData.MICROSOFT_APP_PASSWORD);
      // Shared state on the external Redis: several replicas need it.
      expect(config.redisUrl).toBe(exampleSecret.stringData.REDIS_URL);
    } finally {
      cleanup();
    }
  });
});

// ── docker-compose.yml ──────────────────────────────────────────────────────────────────────────

interface ComposeService {
  image?: string;
  command?: string[];
  env_file?: string;
  environment?: Record<string, string>;
  secrets?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  restart?: string;
  stop_grace_period?: string;
  depends_on?: Record<string, { condition: string }>;
  read_only?: boolean;
  cap_drop?: string[];
}

describe('docker-compose.yml', () => {
  const compose = readYaml<{
    services: { gatehouse: ComposeService; redis: ComposeService };
    secrets: Record<string, { file: string }>;
  }>(join(ROOT, 'docker-compose.yml'));
  const { gatehouse, redis } = compose.services;

  it('runs Redis as README advises: append-only persistence on a volume, never evicting', () => {
    const command = (redis.command ?? []).join(' ');
    expect(command).toMatch(/--appendonly yes\b/);
    expect(command).toMatch(/--maxmemory-policy noeviction\b/);
    expect(redis.volumes?.some((volume) => volume.endsWith(':/data'))).toBe(true);
    expect(redis.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it('checks Gatehouse on /healthz with the image’s own HEALTHCHECK command', () => {
    const runtime = readDockerfile().stages.at(-1);
    const image = runtime && parseHealthcheck(last(runtime, 'HEALTHCHECK') ?? { keyword: '', args: '' });
    expect(gatehouse.healthcheck?.test).toEqual(['CMD', ...(image?.command ?? [])]);
    expect(gatehouse.healthcheck?.test.join(' ')).toContain("'/healthz'");
  });

  it('starts Gatehouse once Redis answers, restarts both, and waits out Gatehouse’s graceful stop', () => {
    expect(gatehouse.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
    expect(gatehouse.restart).toBe('unless-stopped');
    expect(redis.restart).toBe('unless-stopped');
    const grace = /^(\d+)s$/.exec(gatehouse.stop_grace_period ?? '')?.[1];
    expect(Number(grace) * 1000).toBeGreaterThan(SHUTDOWN_MS);
    expect(gatehouse.read_only).toBe(true);
    expect(gatehouse.cap_drop).toEqual(['ALL']);
  });

  it('gives each secret as a Compose secret, read through its _FILE variable, and no secret in plain text', () => {
    const environmentOf = gatehouse.environment ?? {};
    const files = Object.entries(environmentOf).filter(([name]) => name.endsWith('_FILE'));
    expect(files.map(([, path]) => path).sort()).toEqual(
      (gatehouse.secrets ?? []).map((secret) => `/run/secrets/${secret}`).sort(),
    );
    for (const [name] of files) expect(SECRET_VARIABLES).toContain(name.replace(/_FILE$/, ''));
    for (const secret of gatehouse.secrets ?? []) expect(compose.secrets[secret]?.file).toBe(`./secrets/${secret}`);
    // Given directly, only a Redis URL without a password: Redis is on the project's own network.
    const plain = SECRET_VARIABLES.filter((name) => name in environmentOf);
    expect(plain).toEqual(['REDIS_URL']);
    expect(new URL(environmentOf.REDIS_URL ?? '').password).toBe('');
    const example = parseEnv(readFileSync(join(ROOT, 'deploy/compose/gatehouse.env.example'), 'utf8'));
    for (const name of SECRET_VARIABLES) expect(example[name], name).toBeUndefined();
  });

  it('makes, with the example .env and its secret files filled in, a production configuration Gatehouse accepts', () => {
    const example = parseEnv(readFileSync(join(ROOT, 'deploy/compose/gatehouse.env.example'), 'utf8')) as Record<
      string,
      string
    >;
    const secrets = Object.fromEntries(
      (gatehouse.secrets ?? []).map((secret) => [secret, `example-${secret.replaceAll('_', '-')}-value`]),
    );
    const { env, cleanup } = withSecretFiles(
      { ...example, ...gatehouse.environment },
      { ...secrets, slack_bot_token: 'xoxb-example-slack-bot-token' },
      '/run/secrets',
    );
    try {
      const config = loadConfig(env);
      expect(config.mode).toBe('production');
      expect(config.governance.provider).toBe('okta');
      expect(config.slack?.botToken).toBe('xoxb-example-slack-bot-token');
      expect(config.redisUrl).toBe('redis://redis:6379');
    } finally {
      cleanup();
    }
    // The image's EXPOSE is the port published.
    const runtime = readDockerfile().stages.at(-1);
    expect(runtime && all(runtime, 'EXPOSE').map((expose) => expose.args)).toEqual([String(DEFAULT_PORT)]);
  });
});
