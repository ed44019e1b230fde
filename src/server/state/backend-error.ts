/**
 * How every shared-state interface (presence, lockouts) reports a failure of its backend. In
 * memory they never fail; a shared backend (e.g. Redis, for several server processes) can, and
 * its failure arrives as this value, never as a rejected promise.
 */
export type BackendError = { type: 'BackendFailed'; reason: string };
