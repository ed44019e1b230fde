import type { LoginVerdict } from '../../machines/session.machine.js';
import type { Credentials } from './credentials.js';
import { verifyPassword } from './password.js';
import type { LoginFailuresByIp } from './limits/login-failures-by-ip.js';
import type { Lockouts } from './state/lockouts.js';
import type { ActiveUser, Presence } from './state/presence.js';

export interface AuthDeps {
  credentials: Credentials;
  /** What unknown usernames are checked against, so they cost what known ones cost. */
  decoySecret: string;
  lockouts: Lockouts;
  presence: Presence;
  failuresByIp: LoginFailuresByIp;
}

/**
 * The password step of login: lockout, credentials and presence decided together. An unknown
 * username goes through exactly the same steps as a wrong password, failures included.
 */
export async function authenticate(deps: AuthDeps, password: string, user: ActiveUser): Promise<LoginVerdict> {
  const { username } = user;
  if (await deps.lockouts.isLocked(username)) return 'blocked';
  const matches = await verifyPassword(deps.credentials.get(username), password, deps.decoySecret);
  // Another connection may have locked the account while the hash was being computed.
  if (await deps.lockouts.isLocked(username)) return 'blocked';
  if (!matches) {
    deps.failuresByIp.recordFailure(user.address);
    return (await deps.lockouts.recordFailure(username)) === 'lockedNow' ? 'lockedNow' : 'wrongPassword';
  }
  await deps.lockouts.recordSuccess(username);
  return (await deps.presence.claim(user)) ? 'accepted' : 'alreadyActive';
}
