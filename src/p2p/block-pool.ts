// Reusable read blocks for the sender. Allocating a fresh 1 MiB block per read makes the garbage
// collector, not the window, decide the sender's memory (peak RSS grew with the file); recycling
// a handful of blocks keeps it flat. A block goes back to the pool when every chunk cut from it
// has been acknowledged — an acknowledged chunk is never sent again, so its bytes are free.

export class Block {
  private pending = 0;

  constructor(
    readonly buffer: Buffer,
    private readonly pool: BlockPool,
  ) {}

  /** One more chunk of this block is queued or in flight. */
  retain(): void {
    this.pending++;
  }

  /** A chunk was acknowledged (or the transfer ended); the last one returns the block. */
  release(): void {
    if (--this.pending === 0) this.pool.recycle(this);
  }
}

export class BlockPool {
  private readonly free: Block[] = [];

  constructor(
    private readonly blockBytes: number,
    private readonly maxFree: number,
  ) {}

  acquire(): Block {
    return this.free.pop() ?? new Block(Buffer.allocUnsafe(this.blockBytes), this);
  }

  recycle(block: Block): void {
    if (this.free.length < this.maxFree) this.free.push(block);
  }
}
