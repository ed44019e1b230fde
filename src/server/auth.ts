import { err, ResultAsync, type Result } from 'neverthrow';
import type { LoginVerdict } from '../../machines/session.machine.js';
import type { BackendError } from './state/backend-error.js';
import type { Credentials } from './credentials.js';
import { verifyPassword } from './password.js';
import type { KeyedSerializer } from './limits/keyed-serializer.js';
import type { Lockouts } from './state/lockouts.js';
import type { LoginThrottle } from './state/login-throttle.js';
import type { ActiveUser, Presence } from './state/presence.js';

export interface AuthDeps {
  credentials: Credentials;
  /** What unknown usernames are checked against, so they cost what known ones cost. */
  decoySecret: string;
  lockouts: Lockouts;
  presence: Presence;
  failuresByIp: LoginThrottle;
  /** Password attempts for one username are decided one at a time (see authenticate). */
  attemptsByUsername: KeyedSerializer;
}

/**
 * The password step of login: lockout, credentials and presence decided together. An unknown
 * username goes through exactly the same steps as a wrong password, failures included. A failing
 * shared-state backend is the error value (the session then ends with INTERNAL).
 *
 * Attempts for the same username run one after another, so the lockout check, the password
 * check and the failure count are one atomic step: concurrent guesses from many connections get
 * exactly `max_failed_attempts` checks before the lock, and a right password can never slip in
 * between the lock and its check. The per-address attempt was counted before this ran
 * (LoginThrottle.tryBegin); it is given back unless the password was wrong.
 */
export function authenticate(
  deps: AuthDeps,
  password: string,
  user: ActiveUser,
): ResultAsync<LoginVerdict, BackendError> {
  return new ResultAsync(
    deps.attemptsByUsername.run(user.username, async () => {
      const verdict = await decide(deps, password, user);
      if (verdict.isErr() || (verdict.value !== 'wrongPassword' && verdict.value !== 'lockedNow')) {
        // A throttle that cannot be reached keeps the token: it refills with time anyway.
        await deps.failuresByIp.giveBack(user.address);
      }
      return verdict;
    }),
  );
}

async function decide(
  deps: AuthDeps,
  password: string,
  user: ActiveUser,
): Promise<Result<LoginVerdict, BackendError>> {
  const { username } = user;
  const lockedBefore = await deps.lockouts.isLocked(username);
  if (lockedBefore.isErr() || lockedBefore.value)
    return lockedBefore.map((): LoginVerdict => 'blocked');
  const matches = await verifyPassword(deps.credentials.get(username), password, deps.decoySecret);
  // Another connection may have locked the account while the hash was being computed.
  const lockedNow = await deps.lockouts.isLocked(username);
  if (lockedNow.isErr() || lockedNow.value) return lockedNow.map((): LoginVerdict => 'blocked');
  if (!matches) {
    return (await deps.lockouts.recordFailure(username)).map((outcome): LoginVerdict =>
      outcome === 'lockedNow' ? 'lockedNow' : 'wrongPassword',
    );
  }
  const reset = await deps.lockouts.recordSuccess(username);
  if (reset.isErr()) return err(reset.error);
  return (await deps.presence.claim(user)).map((claimed): LoginVerdict =>
    claimed ? 'accepted' : 'alreadyActive',
  );
}
