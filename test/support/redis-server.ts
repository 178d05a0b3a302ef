import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/**
 * A `redis-server` of the test's own, on a free loopback port, so a test can stop, pause and
 * restart Redis under a running Gatehouse without touching the shared Redis other tests use.
 * Nothing is saved on its own (`--save "" --appendonly no`): a restart comes back empty, as a
 * Redis without persistence does, unless the test asks `stop({ keepData: true })`, which saves a
 * snapshot first, the way a Redis with persistence would come back.
 */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Started and not stopped since (a paused server is still running). */
  readonly running: boolean;
  /** Starts it (again) on the same port and waits until it answers PING. */
  start(): Promise<void>;
  /** Kills it (SIGKILL, as a crash) and waits for it to exit; its data is gone unless kept. */
  stop(options?: { keepData?: boolean }): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open and nothing answers, as a hung or partitioned Redis. */
  pause(): void;
  /** Lets a paused server go on (SIGCONT), with everything it held. */
  resume(): void;
  /** Stops it if running and removes its directory. */
  cleanup(): Promise<void>;
}

const READY_WITHIN_MS = 5_000;

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-redis-'));
  let child: ChildProcess | undefined;
  let paused = false;
  // A test worker that dies must not leave a redis-server behind.
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return child !== undefined;
    },
    async start() {
      if (child) throw new Error(`redis-server on ${port} is already running`);
      const started = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
          '--dbfilename',
          'dump.rdb',
          '--loglevel',
          'warning',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      // Read, or a chatty server would block on a full pipe; kept short for the error below.
      let output = '';
      const keep = (chunk: Buffer) => {
        output = `${output}${chunk.toString()}`.slice(-2_000);
      };
      started.stdout?.on('data', keep);
      started.stderr?.on('data', keep);
      child = started;
      paused = false;
      started.once('exit', () => {
        if (child === started) child = undefined;
      });
      const deadline = Date.now() + READY_WITHIN_MS;
      while (!(await answers(port, 'PING', '+PONG'))) {
        if (child !== started) throw new Error(`redis-server on ${port} exited at start: ${output.trim()}`);
        if (Date.now() > deadline)
          throw new Error(`redis-server on ${port} did not answer within ${READY_WITHIN_MS} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop(options = {}) {
      const running = child;
      if (!running) return;
      if (paused) server.resume();
      if (options.keepData) {
        if (!(await answers(port, 'SAVE', '+OK'))) throw new Error(`redis-server on ${port} did not save`);
      } else {
        await rm(join(dir, 'dump.rdb'), { force: true });
      }
      const exited = once(running, 'exit');
      running.kill('SIGKILL');
      await exited;
    },
    pause() {
      if (!child?.pid) throw new Error(`redis-server on ${port} is not running`);
      process.kill(child.pid, 'SIGSTOP');
      paused = true;
    },
    resume() {
      if (!child?.pid || !paused) return;
      process.kill(child.pid, 'SIGCONT');
      paused = false;
    },
    async cleanup() {
      await server.stop();
      process.removeListener('exit', killOnExit);
      await rm(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

/** Sends one inline command on a fresh connection and says whether the reply starts as expected. */
function answers(port: number, command: string, expected: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith(expected));
    });
  });
}
