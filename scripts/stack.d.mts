/** Types of `stack.mjs`, for TypeScript callers such as bench/run.ts. */

export declare const ROOT: string;

/** A failure the user can act on; its message is meant to be printed as is. */
export declare class StackError extends Error {
  constructor(message: string, tail?: string[]);
  /** The last output lines of the child concerned. */
  readonly tail: string[];
}

export interface StackService {
  name: string;
  /** The variable that holds its address (`USERS_SERVICE_ADDR`). */
  envVar: string;
  /** `host:port` it listens on. */
  address: string;
  /** `host:port` it serves `/metrics` on (its METRICS_ADDR); none when absent. */
  metricsAddress?: string;
}

export interface DemoLogin {
  firstEmail: string;
  lastEmail: string;
  password: string;
  firstUserId: string;
}

export interface ChildFailure {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  tail: string[];
}

export declare function needsBuild(): boolean;
export declare function buildIfNeeded(options?: { outputFd?: 1 | 2 }): boolean;
export declare function loadServices(env?: NodeJS.ProcessEnv): Promise<StackService[]>;
export declare function loadDemoLogin(env?: NodeJS.ProcessEnv): Promise<DemoLogin | null>;
export declare function freePort(host?: string): Promise<number>;
export declare function parseAddress(address: string, envVar?: string): { host: string; port: number };

export declare class LocalStack {
  constructor(options: {
    services: StackService[];
    /**
     * Where the gateway listens: GraphQL on `host:port`; `/healthz`, `/readyz`
     * and `/metrics` on `adminHost:adminPort` (`adminHost` 127.0.0.1 unless given).
     */
    gateway: { host: string; port: number; adminHost?: string; adminPort: number };
    env?: NodeJS.ProcessEnv;
    onLine?: (name: string, line: string) => void;
  });
  /** `base` and `graphql` are on the public port; `admin` is the operational listener, and `healthz`, `readyz` and `metrics` are on it. */
  readonly urls: { base: string; graphql: string; admin: string; healthz: string; readyz: string; metrics: string };
  /**
   * Where the children's domain events go: `nats` (NATS_URL is set) or
   * `launcher`, an in-process bus this process holds and its children reach
   * over their IPC channels (EVENTS_BUS=launcher), in memory only.
   */
  readonly eventBus: 'nats' | 'launcher';
  /** Resolves when a child exits without having been asked to. */
  readonly failed: Promise<ChildFailure>;
  start(options?: { onReady?: (name: string, where: string) => void }): Promise<void>;
  /** The process id of child `name` (`gateway`, or a service's name) while it runs; undefined otherwise. */
  pid(name: string): number | undefined;
  stop(graceMs?: number): Promise<void>;
}
