import { status, type Metadata } from '@grpc/grpc-js';
import type { CallerIdentity } from '../../platform/identity.js';
import { RpcError } from './errors.js';

/**
 * The service side of identities: what the server verified for each call
 * (`checkCaller` in platform/identity.ts), and the ownership check a write
 * makes with it.
 */

/** A call a handler receives, unary or streaming: what the caller check keys its record by. */
export interface ServerCall {
  readonly metadata: Metadata;
}

// The server records what it verified for each call here, so that handlers can
// ask for the caller without seeing the secret or re-checking it.
const verifiedCallers = new WeakMap<object, CallerState>();

interface CallerState {
  caller: CallerIdentity | null;
  /** Whether the server checks identities at all (false for a service started bare, as in unit tests). */
  enforced: boolean;
}

/** Records the outcome of `checkCaller` for `call`; called by the server before the handler runs. */
export function recordCaller(call: ServerCall, caller: CallerIdentity | null, enforced: boolean): void {
  verifiedCallers.set(call, { caller, enforced });
}

export interface ActorCheck {
  /** The proto field naming the acting user, for messages (`actor_id`). */
  field: string;
  /** Whether an `admin` caller may act for someone else. */
  adminMayActForOthers?: boolean;
}

/**
 * The ownership check a write makes itself, whatever the gateway decided: the
 * user a request says it acts for must be the verified caller. UNAUTHENTICATED
 * when the server checks identities and the call names no user;
 * PERMISSION_DENIED when it names someone else. A server started without
 * identity checks (a single service under test) trusts the request.
 */
export function requireActor(call: ServerCall, actorId: string, check: ActorCheck): CallerIdentity | null {
  const state = verifiedCallers.get(call);
  if (!state?.enforced) return state?.caller ?? null;
  const { caller } = state;
  if (!caller) throw new RpcError(status.UNAUTHENTICATED, 'this call needs a verified user');
  if (caller.userId === actorId) return caller;
  if (check.adminMayActForOthers && caller.roles.includes('admin')) return caller;
  throw new RpcError(status.PERMISSION_DENIED, `${check.field} is not the verified caller`);
}

