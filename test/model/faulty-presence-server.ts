// The real server, started like tessenger-server, but with a shared state that fails for some
// usernames: how a shared backend (e.g. Redis) failing mid-login looks to a session. Used by
// session.model.test.ts to drive the error transitions of the login checks:
//   x…  the presence claim fails with BackendFailed (Redis answered an error): INTERNAL
//   w…  the lockout check cannot reach the cluster (ClusterUnavailable): CLUSTER_UNAVAILABLE
import { parseServerArgs } from '../../src/cli/server-args.js';
import { TessengerServer } from '../../src/server/server.js';
import { errAsync } from 'neverthrow';
import { backendFailed, clusterUnavailable } from '../../src/server/state/backend-error.js';
import type { SharedState } from '../../src/server/state/shared-state.js';

function failing(state: SharedState): SharedState {
  const { presence, lockouts } = state;
  return {
    ...state,
    presence: Object.assign(Object.create(presence) as typeof presence, {
      claim: (user: Parameters<typeof presence.claim>[0]) =>
        user.username.startsWith('x')
          ? errAsync(backendFailed('presence backend failed'))
          : presence.claim(user),
    }),
    lockouts: Object.assign(Object.create(lockouts) as typeof lockouts, {
      isLocked: (username: string) =>
        username.startsWith('w')
          ? errAsync(clusterUnavailable('Redis unreachable'))
          : lockouts.isLocked(username),
    }),
  };
}

const parsed = parseServerArgs(process.argv.slice(2));
if (parsed.isErr() || parsed.value.kind !== 'serve') throw new Error('bad arguments');
const started = await TessengerServer.start(parsed.value.config, { adaptState: failing });
if (started.isErr()) throw new Error(started.error.message);
const server = started.value;
process.once('SIGTERM', () => void server.shutdown());
