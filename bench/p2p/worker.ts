// One side of a benchmark run, in its own process so its peak RSS is its own. Talks to
// bench/p2p.ts with one JSON object per stdout line. Roles:
//   receive <downloadDir> <transferId> <key> <size> <datagramBytes> <sealed|plain> [tuning] → {"port"} then {"result"}; ends on SIGTERM
//   send <file> <port> <transferId> <key> <datagramBytes> <sealed|plain> [tuning]           → {"result"}
// (tuning: JSON of TransportConfig fields to override, e.g. {"windowBytes":4194304})
//   relay <audiencePort> <loss> <seed>                                   → {"port"} then {"counters"} on SIGTERM
//   tcp-receive <file>                                                   → {"port"} then {"result"}
//   tcp-send <file> <port>                                               → {"result"}
import { createReadStream, createWriteStream } from 'node:fs';
import net from 'node:net';
import { P2PEndpoint } from '../../src/p2p/endpoint.js';
import { DEFAULT_SEAL_CIPHER } from '../../src/p2p/seal.js';
import { nativeAesGcm } from '../../src/p2p/aes-gcm-native.js';
import { LossyRelay } from '../../test/p2p/lossy-relay.js';

const [role = '', ...args] = process.argv.slice(2);
const say = (o: object): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
const peakRssMiB = (): number => process.resourceUsage().maxRSS / 1024;
/** CPU time (user + system) this process used so far, in ms: a figure the machine's load disturbs less than elapsed time. */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** Which AES-256-GCM sealed (TESSENGER_SEAL=node forces node:crypto), and why not the native one. */
const seal =
  DEFAULT_SEAL_CIPHER === 'native'
    ? 'native (OpenSSL context per direction)'
    : `node:crypto (${nativeAesGcm.reason})`;
const datagram = (v: string | undefined): number | 'auto' =>
  v === undefined || v === 'auto' ? 'auto' : Number(v);
// 'plain' turns sealing off, only to measure what AES-256-GCM costs (TransportConfig.sealDatagrams).
const transport = (dg: string | undefined, sealing: string | undefined, tuning = '{}') => ({
  ...(JSON.parse(tuning) as object),
  datagramBytes: datagram(dg),
  sealDatagrams: sealing !== 'plain',
});

/** An endpoint on a free loopback port (a failure to bind ends the worker with its error). */
async function listen(config: ReturnType<typeof transport>): Promise<P2PEndpoint> {
  return (await P2PEndpoint.listen({ port: 0, host: '127.0.0.1', config }))._unsafeUnwrap();
}

async function main(): Promise<void> {
  switch (role) {
    case 'receive': {
      const [dir = '.', transferId = '', key = '', size = '0', dg, sealing, tuning] = args;
      const ep = await listen(transport(dg, sealing, tuning));
      const h = ep.expect(
        {
          transferId,
          key,
          presenter: 'Bench',
          presenterAddress: '127.0.0.1',
          fileName: 'payload.bin',
          size: Number(size),
        },
        { downloadDir: dir },
      );
      say({ port: ep.port });
      const r = await h.result;
      say({
        result: r.isOk()
          ? { ok: true, path: r.value.path, stats: r.value.stats }
          : { ok: false, error: r.error },
        peakRssMiB: peakRssMiB(),
        cpuMs: cpuMs(),
        minorFaults: process.resourceUsage().minorPageFault,
        at: performance.timeOrigin + performance.now(),
      });
      // Like a client that stays running after a download: the finished transfer keeps answering
      // the presenter's repeated FIN (its DONE may have been lost) until the benchmark says stop.
      await new Promise((resolve) => process.once('SIGTERM', resolve));
      await ep.close();
      return;
    }
    case 'send': {
      const [file = '', port = '0', transferId = '', key = '', dg, sealing, tuning] = args;
      const ep = await listen(transport(dg, sealing, tuning));
      const startedAt = performance.timeOrigin + performance.now();
      const h = ep.send(
        { transferId, key, audience: { address: '127.0.0.1', port: Number(port) } },
        { filePath: file },
      );
      const r = await h.result;
      say({
        result: r.isOk()
          ? { ok: true, stats: r.value.stats }
          : { ok: false, error: r.error, stats: h.stats() },
        seal,
        peakRssMiB: peakRssMiB(),
        cpuMs: cpuMs(),
        minorFaults: process.resourceUsage().minorPageFault,
        startedAt,
      });
      await ep.close();
      return;
    }
    case 'relay': {
      const [port = '0', loss = '0', seed = '1'] = args;
      const impairment = { loss: Number(loss), duplicate: 0, reorder: 0, maxDisplacement: 1 };
      const relay = await LossyRelay.start({
        audience: { address: '127.0.0.1', port: Number(port) },
        seed: Number(seed),
        forward: impairment,
      });
      say({ port: relay.port });
      process.on('SIGTERM', () => {
        say({ counters: relay.counters });
        void relay.close().then(() => process.exit(0));
      });
      return;
    }
    case 'tcp-receive': {
      const [file = ''] = args;
      const server = net.createServer((sock) => {
        const out = createWriteStream(file);
        sock.pipe(out);
        out.on('finish', () => {
          say({
            result: { ok: true },
            peakRssMiB: peakRssMiB(),
            at: performance.timeOrigin + performance.now(),
          });
          server.close();
        });
      });
      server.listen(0, '127.0.0.1', () =>
        say({ port: (server.address() as net.AddressInfo).port }),
      );
      return;
    }
    case 'tcp-send': {
      const [file = '', port = '0'] = args;
      let startedAt = 0;
      const sock = net.connect(Number(port), '127.0.0.1', () => {
        startedAt = performance.timeOrigin + performance.now();
        createReadStream(file).pipe(sock);
      });
      sock.on('close', () => say({ result: { ok: true }, peakRssMiB: peakRssMiB(), startedAt }));
      return;
    }
    default:
      throw new Error(`unknown role ${role}`);
  }
}

void main();
