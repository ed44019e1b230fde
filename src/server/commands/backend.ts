import { err, ResultAsync, type Result } from 'neverthrow';
import type { BackendError } from '../state/backend-error.js';
import type { CommandError } from './command-error.js';

/**
 * A call into shared state (presence, groups). In memory these never fail, but a shared backend
 * (e.g. Redis) can: its failure becomes the StorageFailed value, never an unhandled rejection.
 */
export const fromBackend = <T>(promise: Promise<T>): ResultAsync<T, CommandError> =>
  ResultAsync.fromPromise(promise, (): CommandError => ({ type: 'StorageFailed' }));

/** A shared-state call that already reports failure as a value: the command sees StorageFailed. */
export const fromState = <T>(result: ResultAsync<T, BackendError>): ResultAsync<T, CommandError> =>
  result.mapErr((): CommandError => ({ type: 'StorageFailed' }));

/** The same for a handler written as one async function that returns a Result. */
export const settled = <T>(
  promise: Promise<Result<T, CommandError>>,
): ResultAsync<T, CommandError> =>
  new ResultAsync(promise.catch((): Result<T, CommandError> => err({ type: 'StorageFailed' })));
