// Which machines work with which, for the explorer's cross-links. Keyed by machine id (not by
// state names, which change): a link may name an invoked actor, and then sits on whichever state
// invokes it. A rule whose machines are gone is reported by `npm run diagrams` and skipped.

export interface LinkRule {
  /** XState machine id the link is shown on. */
  from: string;
  /** XState machine id it points to. */
  to: string;
  /** Optional: the actor (as invoked by `from`) that consults `to`; the link then sits on that state. */
  actor?: string;
  text: string;
}

export const LINKS: readonly LinkRule[] = [
  {
    from: 'session',
    to: 'lockout',
    actor: 'verifyCredentials',
    text: 'The password check asks the lockout of that username whether it is locked, and reports each failure and success to it.',
  },
  {
    from: 'lockout',
    to: 'session',
    text: 'Consulted by the password check of every session that logs in as this username; a lock ends that session as blocked.',
  },
  {
    from: 'transferSender',
    to: 'transferReceiver',
    text: "The presenter's client runs one sender per audience member; each audience member's client runs a receiver for the same transfer, and the two talk over UDP.",
  },
  {
    from: 'transferReceiver',
    to: 'transferSender',
    text: "The audience's client runs this for a transfer the presenter's client sends with a transfer sender; the two talk over UDP.",
  },
];
