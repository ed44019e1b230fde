/**
 * Runs tasks with the same key one after another (tasks with different keys run freely). Used so
 * a check and the bookkeeping it guards cannot interleave with another request for the same key:
 * the lockout check, the password check and the failure count of one username form one step.
 * Memory: an entry exists only while a task for its key is queued or running.
 */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  get size(): number {
    return this.tails.size;
  }
}
