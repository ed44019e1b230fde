// A transfer whose state machine throws (a bug) still ends like any failed transfer: its result
// settles with an InternalError, the peer is told (ABORT), its resources are released and the
// audience's temp file is deleted. Without this the result never settled and the client waited
// for it forever. The fault is injected into the real machines; everything else is real.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { transferReceiverMachine } from '../../machines/transfer-receiver.machine.js';
import { transferSenderMachine } from '../../machines/transfer-sender.machine.js';
import { resolveConfig } from '../../src/p2p/config.js';
import { DatagramType, readPreamble } from '../../src/p2p/datagram.js';
import { ReceiveTransfer, type Epilogue } from '../../src/p2p/receiver.js';
import { DatagramSeal } from '../../src/p2p/seal.js';
import { SendTransfer } from '../../src/p2p/sender.js';
import { describeTransferError } from '../../src/p2p/transfer-error.js';
import { eventually } from '../support/processes.js';
import {
  filesIn,
  introductions,
  seededBytes,
  withScratch,
  writeSeededFile,
  offerFrom,
} from './helpers.js';

const boom = (): never => {
  throw new Error('boom');
};

test('the audience machine throws on the matching digest: err InternalError, ABORT sent, temp file deleted', () =>
  withScratch(async (scratch) => {
    const dst = await scratch.dir();
    const { transferId, key } = introductions();
    const seal = DatagramSeal.fromKey(Buffer.from(key, 'hex'), 'audience');
    const sent: Buffer[] = [];
    let epilogue: Epilogue | undefined;
    const size = 1000;
    const rx = new ReceiveTransfer(
      offerFrom({ transferId, key }, 'v.mp4', size),
      seal.connectionId,
      { downloadDir: dst },
      resolveConfig({}),
      async (buf) => void sent.push(buf),
      (e) => (epilogue = e),
      transferReceiverMachine.provide({ actions: { recordDigest: boom } }),
    );
    rx.peerPort = 40000;
    const connectionId = seal.connectionId;
    rx.handle({ type: 'Hello', connectionId, size, chunkBytes: 1200 });
    await eventually(() => rx.state() === 'receiving', 'the temp file to be open');
    const payload = seededBytes(size, 5);
    rx.handle({ type: 'Data', connectionId, seq: 0, tx: 1, payload });
    await eventually(() => rx.state() === 'verifying', 'every byte to be written');
    rx.handle({ type: 'Fin', connectionId, sha256: createHash('sha256').update(payload).digest() });
    const result = await rx.result;
    assert.ok(result.isErr(), JSON.stringify(result));
    if (result.isOk()) return;
    assert.is(result.error.type, 'InternalError');
    assert.match(describeTransferError(result.error), /internal error \(a bug\).*boom/);
    assert.equal(await filesIn(dst), [], 'the temp file is deleted');
    assert.is(epilogue?.kind, 'aborted');
    const last = readPreamble(sent[sent.length - 1]!)._unsafeUnwrap();
    assert.is(last.code, DatagramType.Abort, 'the presenter is told');
  }));

test('the presenter machine throws when the file is open: err InternalError, the audience gets an ABORT', () =>
  withScratch(async (scratch) => {
    const file = await writeSeededFile(await scratch.dir(), 'v.mp4', 5000, 6);
    const audience = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => audience.bind(0, '127.0.0.1', resolve));
    scratch.onCleanup(() => audience.close());
    const { transferId, key } = introductions();
    const seal = DatagramSeal.fromKey(Buffer.from(key, 'hex'), 'presenter');
    const audienceSeal = DatagramSeal.fromKey(Buffer.from(key, 'hex'), 'audience');
    let settled = false;
    const heard = once(audience, 'message');
    const tx = new SendTransfer(
      {
        transferId,
        key,
        audience: { address: '127.0.0.1', port: audience.address().port },
      },
      seal,
      { filePath: file },
      resolveConfig({}),
      () => (settled = true),
      transferSenderMachine.provide({ actions: { recordOpened: boom } }),
    );
    void tx.start();
    const result = await tx.result;
    assert.ok(result.isErr(), JSON.stringify(result));
    if (result.isOk()) return;
    assert.is(result.error.type, 'InternalError');
    assert.ok(settled, 'the endpoint was told the transfer ended');
    const [msg] = (await heard) as [Buffer];
    assert.is(audienceSeal.open(msg)._unsafeUnwrap().type, 'Abort');
  }));

test.run();
