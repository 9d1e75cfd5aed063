import { status, type ServiceError } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { FIELD_VIOLATION_METADATA_KEY } from '../../services/common/errors.js';

/** Asserts that `call` fails with `code` and, when given, names `field` in the violation metadata. */
export async function assertRpcError(call: Promise<unknown>, code: status, field?: string): Promise<ServiceError> {
  let caught: ServiceError | undefined;
  await assert.rejects(call, (error: ServiceError) => {
    assert.equal(error.code, code, `expected ${status[code]}, got ${status[error.code]}: ${error.details}`);
    if (field !== undefined) assert.deepEqual(error.metadata.get(FIELD_VIOLATION_METADATA_KEY), [field]);
    caught = error;
    return true;
  });
  assert.ok(caught);
  return caught;
}
