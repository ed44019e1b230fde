/**
 * How every shared-state interface (presence, lockouts, groups, transfers, the login throttle)
 * reports a failure of its backend: as this value in a ResultAsync, never as a rejected promise.
 * In memory they never fail; a shared backend (Redis, for several server processes) can:
 * `ClusterUnavailable` when it cannot be reached (the request is refused with
 * CLUSTER_UNAVAILABLE and may be retried once the cluster is back), `BackendFailed` when it
 * answered with an error or a local write behind it failed (STORAGE_FAILED).
 */
export type BackendError =
  { type: 'BackendFailed'; reason: string } | { type: 'ClusterUnavailable'; reason: string };

export const backendFailed = (reason: string): BackendError => ({ type: 'BackendFailed', reason });

export const clusterUnavailable = (reason: string): BackendError => ({
  type: 'ClusterUnavailable',
  reason,
});
