// The real server, started like tessenger-server, but with a presence backend that fails for
// usernames starting with "x": how a shared backend (e.g. Redis) failing mid-login looks to a
// session. Used by session.model.test.ts to drive the verifyCredentials error transition.
import { parseServerArgs } from '../../src/cli/server-args.js';
import { TessengerServer } from '../../src/server/server.js';
import { errAsync, type ResultAsync } from 'neverthrow';
import type { BackendError } from '../../src/server/state/backend-error.js';
import { InMemoryPresence, type ActiveUser } from '../../src/server/state/presence.js';

class FailingPresence extends InMemoryPresence {
  override claim(user: ActiveUser): ResultAsync<boolean, BackendError> {
    if (user.username.startsWith('x'))
      return errAsync({ type: 'BackendFailed', reason: 'presence backend unavailable' });
    return super.claim(user);
  }
}

const parsed = parseServerArgs(process.argv.slice(2));
if (parsed.isErr() || parsed.value.kind !== 'serve') throw new Error('bad arguments');
const started = await TessengerServer.start(parsed.value.config, {
  presence: new FailingPresence(),
});
if (started.isErr()) throw new Error(started.error.message);
const server = started.value;
process.once('SIGTERM', () => void server.shutdown());
