// Runs a set of probes side by side, each with its own users and connections.
import type { Probe, ProbeServer, ProbeUsers } from './session-probes.js';

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Every probe to the end; the failures, each named (for the test files). */
export async function runAll(
  probes: readonly Probe[],
  server: ProbeServer,
  users: ProbeUsers,
): Promise<string[]> {
  const results = await Promise.allSettled(probes.map((p) => p.run(server, users)));
  return results.flatMap((r, i) =>
    r.status === 'rejected' ? [`${probes[i]!.name}\n    ${messageOf(r.reason)}`] : [],
  );
}

/** Rejects at the first probe that fails, naming it (for the mutation runner: one is enough). */
export async function runUntilFailure(
  probes: readonly Probe[],
  server: ProbeServer,
  users: ProbeUsers,
): Promise<void> {
  await Promise.all(
    probes.map((p) =>
      p.run(server, users).catch((e: unknown) => {
        throw new Error(`${p.name}\n    ${messageOf(e)}`);
      }),
    ),
  );
}
