import { err, ResultAsync, type Result } from 'neverthrow';
import type { BackendError } from '../state/backend-error.js';
import type { CommandError } from './command-error.js';

/** Whether a shared-state call's error is its backend failing, not the call's own refusal. */
export const isBackendError = <E extends { type: string }>(
  e: E | BackendError,
): e is BackendError => e.type === 'BackendFailed' || e.type === 'ClusterUnavailable';

/** A shared-state failure as the command's error: unreachable cluster, or a failed backend. */
export const fromBackendError = (e: BackendError): CommandError =>
  e.type === 'ClusterUnavailable' ? { type: 'ClusterUnavailable' } : { type: 'StorageFailed' };

/** A shared-state call (presence, groups, transfers): its failure becomes the command's error. */
export const fromState = <T>(result: ResultAsync<T, BackendError>): ResultAsync<T, CommandError> =>
  result.mapErr(fromBackendError);

/**
 * A handler written as one async function that returns a Result. A rejection is a bug in a
 * backend that should have answered with a value; the client is told STORAGE_FAILED.
 */
export const settled = <T>(
  promise: Promise<Result<T, CommandError>>,
): ResultAsync<T, CommandError> =>
  new ResultAsync(promise.catch((): Result<T, CommandError> => err({ type: 'StorageFailed' })));
