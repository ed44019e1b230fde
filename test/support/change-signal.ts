/**
 * Waiting in tests without polling: whatever a test watches (a program's output, received
 * frames, datagrams, machine transitions) calls `notify()` when it changes, and `until` re-checks
 * its probe only then. The deadline never decides a passing test; it only ends a broken one.
 */
export class ChangeSignal {
  private waiters: Array<() => void> = [];

  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((wake) => wake());
  }

  /** Resolves with the probe's first defined answer; a probe may throw to give up early. */
  async until<T>(
    probe: () => T | undefined,
    timeoutMs: number,
    onTimeout: () => Error,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = probe();
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw onTimeout();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
