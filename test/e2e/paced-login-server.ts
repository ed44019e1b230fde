// The real server, started like tessenger-server, but with no time per turn for reading logins:
// every turn reads one connection that is logging in and defers the rest (src/server/login-pacing.ts),
// so a test sees the deferral on every login instead of only when a storm overruns the budget.
import { parseServerArgs } from '../../src/cli/server-args.js';
import { TessengerServer } from '../../src/server/server.js';

const parsed = parseServerArgs(process.argv.slice(2));
if (parsed.isErr() || parsed.value.kind !== 'serve') throw new Error('bad arguments');
const started = await TessengerServer.start(parsed.value.config, { loginReadBudgetMs: 0 });
if (started.isErr()) throw new Error(started.error.message);
const server = started.value;
process.once('SIGTERM', () => void server.shutdown());
