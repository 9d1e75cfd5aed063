import { SERVICE_NAMES, serviceAddress, type ServiceName } from '../../services/common/addresses.js';
import { tokenConfigFromEnv, type TokenConfig } from '../../services/common/token-config.js';

/** Everything the gateway reads from its environment, parsed and checked once at start. */
export interface GatewayConfig {
  /** `NODE_ENV=production`: no Sandbox, no introspection, masked internal errors. */
  production: boolean;
  host: string;
  port: number;
  /** Where each upstream service is dialled. */
  serviceAddresses: Record<ServiceName, string>;
  /** Deadline given to every RPC, in milliseconds (`RPC_TIMEOUT_MS`). */
  rpcTimeoutMs: number;
  tokens: TokenConfig;
  /** Largest accepted request body (`MAX_BODY_BYTES`). */
  maxBodyBytes: number;
  /** Allowed CORS origins (`CORS_ORIGINS`, comma-separated; `*` for any). */
  corsOrigins: string[] | '*';
  logLevel: string;
}

/** A setting that is present but wrong: the gateway refuses to start and says which. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Reads and checks the gateway's settings; throws `ConfigError` naming the first bad one. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const production = env.NODE_ENV === 'production';
  let tokens: TokenConfig;
  try {
    tokens = tokenConfigFromEnv(env);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  if (production && tokens.usingDevelopmentSecret) {
    throw new ConfigError('NODE_ENV=production needs JWT_SECRET: the development secret is public and would let anyone sign tokens.');
  }
  const serviceAddresses = Object.fromEntries(SERVICE_NAMES.map((name) => [name, serviceAddress(name, env)])) as Record<
    ServiceName,
    string
  >;
  const origins = (env.CORS_ORIGINS ?? (production ? '' : '*')).trim();
  return {
    production,
    host: env.HOST?.trim() || '127.0.0.1',
    port: integer(env, 'PORT', 4000, 0, 65_535),
    serviceAddresses,
    rpcTimeoutMs: integer(env, 'RPC_TIMEOUT_MS', 2_000, 1, 600_000),
    tokens,
    maxBodyBytes: integer(env, 'MAX_BODY_BYTES', 1_000_000, 1_000, 100_000_000),
    corsOrigins: origins === '*' ? '*' : origins.split(',').map((origin) => origin.trim()).filter(Boolean),
    logLevel: env.LOG_LEVEL?.trim() || (env.NODE_ENV === 'test' ? 'silent' : 'info'),
  };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}
