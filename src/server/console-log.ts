/**
 * The server's console (SPEC §6): one readable line per event. Lines are buffered and written
 * once per event-loop turn, so a busy server makes one stdout write per turn, not one per message.
 * Never pass a password or a stored secret to it.
 */
export class ConsoleLog {
  private buffer: string[] = [];
  private scheduled = false;

  constructor(
    private readonly write: (text: string) => void = (text) => process.stdout.write(text),
  ) {}

  line(text: string): void {
    this.buffer.push(text);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.buffer.length === 0) return;
    const text = `${this.buffer.join('\n')}\n`;
    this.buffer = [];
    this.write(text);
  }
}
