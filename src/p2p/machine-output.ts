import type { Actor, AnyActorLogic, OutputFrom } from 'xstate';

/**
 * A transfer machine's output, once its actor is done. An actor error must never become an
 * unhandled exception in the client (xstate throws it when an observer lacks an error handler:
 * this one observer has both), nor leave the result unsettled: a stopped machine takes no more
 * events, so `onError` does its final state's work (tell the peer, close the socket and the file,
 * settle) with the error as the failure.
 */
export function machineOutput<TLogic extends AnyActorLogic>(
  actor: Actor<TLogic>,
  onError: (error: unknown) => void,
): Promise<OutputFrom<TLogic>> {
  return new Promise((resolve) =>
    actor.subscribe({
      // a done machine actor's snapshot carries its output
      complete: () => resolve((actor.getSnapshot() as { output?: OutputFrom<TLogic> }).output!),
      error: onError,
    }),
  );
}
