/**
 * The reference services, with the environment variable that holds each one's
 * address and the loopback address it takes by default. The gateway dials these
 * addresses; a service listens on `LISTEN_ADDR` when set (in a container,
 * `0.0.0.0:<port>`), otherwise on its own address.
 */
export const SERVICES = {
  users: { env: 'USERS_SERVICE_ADDR', defaultAddress: '127.0.0.1:50051' },
  auth: { env: 'AUTH_SERVICE_ADDR', defaultAddress: '127.0.0.1:50052' },
  posts: { env: 'POSTS_SERVICE_ADDR', defaultAddress: '127.0.0.1:50053' },
  relations: { env: 'RELATIONS_SERVICE_ADDR', defaultAddress: '127.0.0.1:50054' },
  notifications: { env: 'NOTIFICATIONS_SERVICE_ADDR', defaultAddress: '127.0.0.1:50055' },
  recommendations: { env: 'RECOMMENDATIONS_SERVICE_ADDR', defaultAddress: '127.0.0.1:50056' },
} as const;

export type ServiceName = keyof typeof SERVICES;

export const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];

/** The address at which `name` is reached, from the environment or its default. */
export function serviceAddress(name: ServiceName, env: NodeJS.ProcessEnv = process.env): string {
  const { env: variable, defaultAddress } = SERVICES[name];
  return env[variable]?.trim() || defaultAddress;
}
