// A TCP relay that records every byte in both directions, for tests that look at what an
// eavesdropper on the path between client and server would see.
import { createServer, connect, type Server, type Socket } from 'node:net';

export class RecordingRelay {
  private readonly chunks: Buffer[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  /** Listens on 127.0.0.1 (port 0) and forwards every connection to `targetPort`. */
  static start(targetPort: number): Promise<RecordingRelay> {
    const server = createServer();
    const relay = new RecordingRelay(server);
    server.on('connection', (client) => relay.pipe(client, targetPort));
    return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(relay)));
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** Everything that crossed the relay so far, both directions. */
  recorded(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Whether `text` (UTF-8) crossed the relay anywhere. */
  saw(text: string): boolean {
    return this.recorded().includes(Buffer.from(text, 'utf8'));
  }

  private pipe(client: Socket, targetPort: number): void {
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => this.sockets.delete(s));
    }
    client.on('data', (d: Buffer) => {
      this.chunks.push(Buffer.from(d));
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      this.chunks.push(Buffer.from(d));
      client.write(d);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
