// A growable bitmap of sequence numbers: which messages of one sender were acknowledged, or
// delivered to one receiver. Shipped over IPC as base64 and merged in the parent.

export class SeqBits {
  private bytes: Uint8Array;
  /** Number of distinct bits set. */
  size = 0;

  constructor(initialBytes = 256) {
    this.bytes = new Uint8Array(initialBytes);
  }

  static fromBase64(text: string): SeqBits {
    const bits = new SeqBits(0);
    bits.bytes = new Uint8Array(Buffer.from(text, 'base64'));
    for (const byte of bits.bytes) bits.size += popcount(byte);
    return bits;
  }

  /** Sets bit `seq`; returns false when it was already set (a duplicate). */
  add(seq: number): boolean {
    const at = seq >>> 3;
    if (at >= this.bytes.length) {
      const grown = new Uint8Array(Math.max(at + 1, this.bytes.length * 2));
      grown.set(this.bytes);
      this.bytes = grown;
    }
    const mask = 1 << (seq & 7);
    if ((this.bytes[at]! & mask) !== 0) return false;
    this.bytes[at]! |= mask;
    this.size += 1;
    return true;
  }

  has(seq: number): boolean {
    const at = seq >>> 3;
    return at < this.bytes.length && (this.bytes[at]! & (1 << (seq & 7))) !== 0;
  }

  /** ORs `other` in; returns how many bits were set in both (deliveries seen twice). */
  mergeCountingOverlap(other: SeqBits): number {
    if (other.bytes.length > this.bytes.length) {
      const grown = new Uint8Array(other.bytes.length);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    let overlap = 0;
    for (let i = 0; i < other.bytes.length; i++) {
      const a = this.bytes[i]!;
      const b = other.bytes[i]!;
      if (b === 0) continue;
      overlap += popcount(a & b);
      this.size += popcount(b & ~a);
      this.bytes[i] = a | b;
    }
    return overlap;
  }

  /** How many bits of `this` are not set in `other` (acknowledged but not delivered). */
  countMissingFrom(other: SeqBits): number {
    let missing = 0;
    for (let i = 0; i < this.bytes.length; i++) {
      const a = this.bytes[i]!;
      if (a === 0) continue;
      const b = i < other.bytes.length ? other.bytes[i]! : 0;
      missing += popcount(a & ~b);
    }
    return missing;
  }

  toBase64(): string {
    let end = this.bytes.length;
    while (end > 0 && this.bytes[end - 1] === 0) end--;
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, end).toString('base64');
  }
}

function popcount(byte: number): number {
  let v = byte & 0xff;
  v = v - ((v >>> 1) & 0x55);
  v = (v & 0x33) + ((v >>> 2) & 0x33);
  return (v + (v >>> 4)) & 0x0f;
}
