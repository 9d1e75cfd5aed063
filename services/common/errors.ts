import { Metadata, status, type StatusObject } from '@grpc/grpc-js';
import { FIELD_VIOLATION_METADATA_KEY } from '../../platform/error-metadata.js';

// Handlers that read a called service's error find the key where they find RpcError.
export { FIELD_VIOLATION_METADATA_KEY };

/**
 * An error a service handler throws on purpose. The server turns it into the
 * gRPC status it carries; any other thrown value becomes INTERNAL and is logged.
 */
export class RpcError extends Error {
  readonly code: status;
  readonly field: string | undefined;

  constructor(code: status, message: string, field?: string) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.field = field;
  }

  /** The status object grpc-js sends to the caller. */
  toStatus(): Partial<StatusObject> {
    const metadata = new Metadata();
    if (this.field) metadata.set(FIELD_VIOLATION_METADATA_KEY, this.field);
    return { code: this.code, details: this.message, metadata };
  }
}

/** INVALID_ARGUMENT naming the proto field at fault (snake_case, as in the .proto). */
export function invalidArgument(field: string, message: string): RpcError {
  return new RpcError(status.INVALID_ARGUMENT, message, field);
}

export function notFound(message: string): RpcError {
  return new RpcError(status.NOT_FOUND, message);
}

export function alreadyExists(field: string, message: string): RpcError {
  return new RpcError(status.ALREADY_EXISTS, message, field);
}

export function permissionDenied(message: string): RpcError {
  return new RpcError(status.PERMISSION_DENIED, message);
}

export function unauthenticated(message: string): RpcError {
  return new RpcError(status.UNAUTHENTICATED, message);
}

export function isRpcError(value: unknown): value is RpcError {
  return value instanceof RpcError;
}
