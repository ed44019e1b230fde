/**
 * Commands of one connection that are still running. Draining and logging out wait until every
 * one has been answered, so nothing that was logged goes unacknowledged; back-pressure reads the
 * count (src/server/intake.ts). A count and one shared promise, not a promise per command: this
 * sits on every command's path.
 */
export class RunningCommands {
  private count = 0;
  private idle: Promise<void> | undefined;
  private resolveIdle: (() => void) | undefined;

  get size(): number {
    return this.count;
  }

  began(): void {
    this.count += 1;
  }

  answered(): void {
    this.count -= 1;
    if (this.count === 0 && this.resolveIdle) {
      this.resolveIdle();
      this.idle = undefined;
      this.resolveIdle = undefined;
    }
  }

  /** Resolves once no command is running (at once if none is). */
  allAnswered(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    this.idle ??= new Promise<void>((resolve) => (this.resolveIdle = resolve));
    return this.idle;
  }
}
