// The least a Node.js server must do per private message, to measure what Tessenger's own work
// costs on top: it speaks just enough of the wire protocol (docs/PROTOCOL.md) for the kit's load
// generator (hello, username, password, msgto, logout) and per message parses the request's JSON,
// writes the acknowledgement to the sender and the event to the receiver — with the same one write
// per connection per turn as the server. No session actor, no message log, no console line, no
// checks: a floor, not a server (it accepts any password). Never run it anywhere but a benchmark.
//
//   node --import tsx bench/relay-floor.ts [PORT]      (prints its PID, then serves on 127.0.0.1)
//   SERVERS="floor tess ngircd" bench/cpu-split.sh      (CPU per message: floor vs the servers)
import { createServer, type Socket } from 'node:net';
import { encodeFrame, FrameDecoder } from '../src/protocol/frame-codec.js';

const port = Number(process.argv[2] ?? 16670);
const online = new Map<string, Client>();

class Client {
  // the server's own framing (frame-codec.ts), so the floor decodes and encodes as it does
  private readonly decoder = new FrameDecoder();
  private outgoing: Buffer[] | undefined;
  private name = '';

  constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      if (online.get(this.name) === this) online.delete(this.name);
    });
  }

  private onData(chunk: Buffer): void {
    this.decoder.append(chunk);
    for (let text; (text = this.decoder.nextText()) !== undefined;) this.onFrame(JSON.parse(text));
  }

  private onFrame(message: { t: string; id: number; cmd: string; args: string[] }): void {
    if (message.t === 'hello') return this.write(encodeFrame('{"t":"welcome","v":1}'));
    const { id, cmd, args } = message;
    switch (cmd) {
      case 'username':
        this.name = args[0] ?? '';
        return this.write(encodeFrame(`{"t":"res","id":${id},"ok":true}`));
      case 'password':
        online.set(this.name, this);
        return this.write(
          encodeFrame(
            `{"t":"res","id":${id},"ok":true,"data":${JSON.stringify({ username: this.name, invitations: [] })}}`,
          ),
        );
      case 'msgto': {
        const ts = new Date().toISOString();
        online
          .get(args[0] ?? '')
          ?.write(
            encodeFrame(
              JSON.stringify({ t: 'ev', ev: 'private', from: this.name, text: args[1], ts }),
            ),
          );
        return this.write(encodeFrame(`{"t":"res","id":${id},"ok":true,"data":{"ts":"${ts}"}}`));
      }
      default:
        this.write(encodeFrame(`{"t":"res","id":${id},"ok":true}`));
        if (cmd === 'logout') this.socket.end();
    }
  }

  /** Frames of one turn leave in one write, as in the server (Connection.deliver). */
  write(frame: Buffer): void {
    if (this.outgoing) return void this.outgoing.push(frame);
    this.outgoing = [frame];
    process.nextTick(() => {
      const frames = this.outgoing ?? [];
      this.outgoing = undefined;
      if (!this.socket.destroyed)
        this.socket.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
    });
  }
}

createServer((socket) => new Client(socket)).listen(port, '127.0.0.1', () =>
  console.log(process.pid),
);
