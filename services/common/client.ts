import { InterceptingCall, type Interceptor, type ServiceDefinition } from '@grpc/grpc-js';
import { createUnaryClient, type UnaryClient } from '../../platform/unary-client.js';
import { IDENTITY_METADATA, serviceIdentityFromEnv } from '../../platform/identity.js';

// Services call each other with the same promise-based client the gateway uses.
export { createUnaryClient, type UnaryApi, type UnaryClient } from '../../platform/unary-client.js';

/**
 * Adds the shared service secret to every call a client starts, so a service
 * calling another proves itself the way the gateway does (see `checkCaller`).
 * An interceptor rather than metadata at each call site: a caller cannot
 * forget it, and a new RPC gets it without anyone thinking of it.
 */
export function serviceCredentialInterceptor(secret: string): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set(IDENTITY_METADATA.secret, secret);
        next(metadata, listener);
      },
    });
}

/**
 * A client of another reference service that sends the service credential
 * (`SERVICE_SECRET` from `env`, the same setting the called service checks) with
 * every call. It names no user: calls between services act for no one, so a
 * write that needs a verified user cannot be made this way.
 */
export function createServiceClient<D extends ServiceDefinition>(definition: D, address: string, env: NodeJS.ProcessEnv): UnaryClient<D> {
  const { secret } = serviceIdentityFromEnv(env);
  // grpc-js takes `interceptors` from the options its Client is built with,
  // which is where createUnaryClient puts the channel options.
  return createUnaryClient(definition, address, { channelOptions: { interceptors: [serviceCredentialInterceptor(secret)] } });
}
