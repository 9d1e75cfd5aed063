/**
 * The processes the bench starts besides the stack of bench/run.ts: the
 * baseline targets and the OTLP sink (bench/baselines/main.ts, from the
 * build), and a Redis of its own for the production-like gateway when
 * REDIS_URL is not set.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT, StackError, type ChildFailure } from '../scripts/stack.mjs';

const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;
const TAIL_LINES = 30;

/** A process the bench started, once it has said it is ready. */
export interface BenchChild {
  readonly name: string;
  readonly pid: number | undefined;
  /** What its ready line named (a baseline's URL), or the whole line. */
  readonly ready: string;
  /** Resolves when it exits without being asked to. */
  readonly failed: Promise<ChildFailure>;
  stop(): Promise<void>;
}

/**
 * Starts `command` and resolves once it prints a line matching `readyLine`
 * (its first group, if any, becomes `ready`); throws a `StackError` with its
 * last lines when it exits or stays silent for too long.
 */
export function startChild(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, readyLine: RegExp): Promise<BenchChild> {
  const child: ChildProcess = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const tail: string[] = [];
  let stopping = false;
  let reportFailure: (failure: ChildFailure) => void = () => {};
  const failed = new Promise<ChildFailure>((resolve) => (reportFailure = resolve));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  // As LocalStack does: should the bench crash, take the child along.
  process.once('exit', () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return new Promise<BenchChild>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new StackError(`${name} did not start within ${START_TIMEOUT_MS / 1000} s.`, tail));
    }, START_TIMEOUT_MS);
    let started = false;
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        const match = started ? null : readyLine.exec(line);
        if (!match) return;
        started = true;
        clearTimeout(timer);
        resolve({
          name,
          pid: child.pid,
          ready: match[1] ?? line,
          failed,
          async stop() {
            stopping = true;
            if (child.exitCode !== null || child.signalCode !== null) return;
            child.kill('SIGTERM');
            const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
            await exited;
            clearTimeout(kill);
          },
        });
      });
    }
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new StackError(`${name} could not start: ${error.message}`, tail));
    });
    child.once('exit', (code, signal) => {
      if (!started) {
        clearTimeout(timer);
        reject(new StackError(`${name} exited (${signal ?? `code ${code}`}) while starting.`, tail));
      } else if (!stopping) reportFailure({ name, code, signal, tail });
    });
  });
}

/** A baseline target or the OTLP sink, from the build, on `port` of the loopback (a free one by default); `ready` is its URL. */
export function startBaseline(name: 'bare' | 'floor' | 'otlp-sink', env: NodeJS.ProcessEnv, port = 0): Promise<BenchChild> {
  return startChild(
    name,
    process.execPath,
    [join('dist', 'bench', 'baselines', 'main.js'), name],
    { ...env, HOST: '127.0.0.1', PORT: String(port) },
    /^listening on (\S+)$/,
  );
}

/** Whether `redis-server` can be run here. */
export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A Redis that keeps nothing on disk, on `port` of the loopback. */
export function startRedis(port: number): Promise<BenchChild> {
  return startChild(
    'redis',
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'],
    process.env,
    /Ready to accept connections/,
  );
}
