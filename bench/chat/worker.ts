// One load-generator process: holds a share of the bench's client connections, logs them in,
// drives msgto / groupmsg load and records what it sends, what is acknowledged and what its
// clients receive. Controlled by main.ts over IPC; see ipc.ts for the messages.
import { Histogram } from './histogram.js';
import {
  nowMs,
  userName,
  userPassword,
  type LoadKind,
  type ParentToWorker,
  type Report,
  type WorkerToParent,
} from './ipc.js';
import { SeqBits } from './seq-bits.js';
import { BenchConnection, SetupError, type Response, type ServerEvent } from './wire.js';

const RING = 4096; // send times kept per sender; the outstanding window never exceeds it
const RING_MASK = RING - 1;
const MAX_SEQ = 2 ** 30 - 1;

interface Client {
  index: number;
  name: string;
  conn: BenchConnection;
  // Sender state (unused for receivers).
  sending: boolean;
  seq: number;
  outstanding: number;
  sendTimes: Float64Array | null;
  acked: SeqBits | null;
  /** Fixed-rate mode: a random phase so senders do not all fire in the same tick. */
  phase: number;
}

const send = (message: WorkerToParent): void => {
  process.send?.(message);
};

const clients = new Map<number, Client>();
const senders: Client[] = [];
let kind: LoadKind = 'private';
let groupName = '';
let targetCount = 0;
let window = 32;
let ratePerSender = 0;
let nodes = 1;
let running = false;
let startedAt = 0;
let rateTimer: NodeJS.Timeout | null = null;
let progressTimer: NodeJS.Timeout | null = null;
let expectedClose = false;

const stats = {
  sent: 0,
  acked: 0,
  failed: 0,
  errors: {} as Record<string, number>,
  delivered: 0,
  duplicates: 0,
  misdelivered: 0,
  foreign: 0,
  firstSendAt: 0,
  lastSendAt: 0,
  lastDeliveryAt: 0,
  closedUnexpectedly: 0,
  closingCodes: {} as Record<string, number>,
};
const latency = new Histogram();
const ackLatency = new Histogram();
const delivered = new Map<number, SeqBits>();

const bump = (table: Record<string, number>, key: string): void => {
  table[key] = (table[key] ?? 0) + 1;
};

// ---------------------------------------------------------------- sending

function sendOne(c: Client): void {
  const seq = c.seq++;
  const t = nowMs();
  c.sendTimes![seq & RING_MASK] = t;
  c.outstanding += 1;
  stats.sent += 1;
  if (stats.firstSendAt === 0) stats.firstSendAt = t;
  stats.lastSendAt = t;
  if (kind === 'private') {
    let target = Math.floor(Math.random() * (targetCount - 1));
    if (target >= c.index) target += 1;
    // In a cluster the receiver is always on another node than the sender (user i on node i % nodes).
    while (nodes > 1 && target % nodes === c.index % nodes)
      target = Math.floor(Math.random() * targetCount);
    c.conn.sendJson(
      `{"t":"req","id":${seq},"cmd":"msgto","args":["${userName(target)}","B ${c.index} ${target} ${seq} ${t.toFixed(3)}"]}`,
    );
  } else {
    c.conn.sendJson(
      `{"t":"req","id":${seq},"cmd":"groupmsg","args":["${groupName}","B ${c.index} -1 ${seq} ${t.toFixed(3)}"]}`,
    );
  }
}

function pump(c: Client): void {
  while (running && c.outstanding < window && c.seq < MAX_SEQ && !c.conn.closed) sendOne(c);
}

function onResponse(c: Client, response: Response): void {
  const seq = response.id;
  if (!c.sending || seq < 0 || seq >= c.seq) return;
  c.outstanding -= 1;
  if (response.ok) {
    stats.acked += 1;
    c.acked!.add(seq);
    ackLatency.recordMs(nowMs() - c.sendTimes![seq & RING_MASK]!);
  } else {
    stats.failed += 1;
    bump(stats.errors, response.error?.code ?? 'UNKNOWN');
  }
  if (ratePerSender === 0) pump(c);
}

function rateTick(): void {
  if (!running) return;
  const elapsedS = (nowMs() - startedAt) / 1000;
  for (const c of senders) {
    const due = Math.floor(elapsedS * ratePerSender + c.phase);
    while (c.seq < due && c.outstanding < window && !c.conn.closed) sendOne(c);
    // Behind because of the window: skip ahead rather than burst later (counted as not sent).
    if (c.seq < due) c.seq = due;
  }
}

// ---------------------------------------------------------------- receiving

function onEvent(c: Client, event: ServerEvent): void {
  if (event.ev !== 'private' && event.ev !== 'group') {
    if (event.ev === 'closing') bump(stats.closingCodes, event.error.code);
    return;
  }
  const text = event.text;
  if (typeof text !== 'string' || !text.startsWith('B ')) {
    stats.foreign += 1;
    return;
  }
  const t = nowMs();
  const parts = text.split(' ');
  const sender = Number(parts[1]);
  const target = Number(parts[2]);
  const seq = Number(parts[3]);
  const sentAt = Number(parts[4]);
  let key: number;
  if (event.ev === 'private') {
    if (target !== c.index || kind !== 'private') stats.misdelivered += 1;
    key = sender;
  } else {
    if (sender === c.index || event.group !== groupName) stats.misdelivered += 1;
    key = sender * 1_048_576 + c.index;
  }
  let bits = delivered.get(key);
  if (!bits) {
    bits = new SeqBits();
    delivered.set(key, bits);
  }
  if (!bits.add(seq)) {
    stats.duplicates += 1;
    return;
  }
  stats.delivered += 1;
  stats.lastDeliveryAt = t;
  latency.recordMs(t - sentAt);
}

// ---------------------------------------------------------------- set-up

function attach(index: number, conn: BenchConnection): Client {
  const c: Client = {
    index,
    name: userName(index),
    conn,
    sending: false,
    seq: 0,
    outstanding: 0,
    sendTimes: null,
    acked: null,
    phase: 0,
  };
  conn.onResponse = (response) => onResponse(c, response);
  conn.onEvent = (event) => onEvent(c, event);
  conn.onClose = () => {
    if (!expectedClose) stats.closedUnexpectedly += 1;
  };
  clients.set(index, c);
  return c;
}

async function login(
  ports: number[],
  users: number[],
  concurrency: number,
  tls: boolean,
): Promise<void> {
  const loginLatency = new Histogram();
  const errors: Record<string, number> = {};
  let ok = 0;
  let failed = 0;
  let next = 0;
  const startedAt = nowMs();
  const one = async (index: number): Promise<void> => {
    const t0 = nowMs();
    let conn: BenchConnection | null = null;
    try {
      conn = await BenchConnection.open(ports[index % ports.length]!, '127.0.0.1', tls);
      await conn.login(userName(index), userPassword(index), 40000 + (index % 20000));
      loginLatency.recordMs(nowMs() - t0);
      attach(index, conn);
      ok += 1;
    } catch (e) {
      failed += 1;
      bump(errors, e instanceof SetupError ? e.code : String(e));
      conn?.destroy();
    }
  };
  const lane = async (): Promise<void> => {
    while (next < users.length) await one(users[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, users.length)) }, lane));
  send({
    type: 'loginDone',
    ok,
    failed,
    errors,
    startedAt,
    endedAt: nowMs(),
    latency: loginLatency.snapshot(),
  });
}

async function createGroup(group: string, creator: number, invitees: number[]): Promise<void> {
  const c = clients.get(creator);
  if (!c) return send({ type: 'groupCreated', ok: false, members: 0, error: 'CREATOR_NOT_HERE' });
  const response = await c.conn.request('creategroup', [group, ...invitees.map(userName)]);
  const members = response.ok
    ? ((response.data as { members?: unknown[] } | undefined)?.members?.length ?? 0)
    : 0;
  send({
    type: 'groupCreated',
    ok: response.ok,
    members,
    ...(response.ok ? {} : { error: response.error?.code ?? 'UNKNOWN' }),
  });
}

async function joinGroup(group: string, users: number[]): Promise<void> {
  const errors: Record<string, number> = {};
  let ok = 0;
  let failed = 0;
  await Promise.all(
    users.map(async (index) => {
      const c = clients.get(index);
      const response = c ? await c.conn.request('joingroup', [group]) : undefined;
      if (response?.ok) ok += 1;
      else {
        failed += 1;
        bump(errors, response?.error?.code ?? 'NOT_CONNECTED');
      }
    }),
  );
  send({ type: 'joined', ok, failed, errors });
}

function startLoad(message: Extract<ParentToWorker, { op: 'load' }>): void {
  kind = message.kind;
  groupName = message.group;
  targetCount = message.targetCount;
  window = Math.max(1, Math.min(RING, message.window));
  ratePerSender = message.ratePerSender;
  nodes = Math.max(1, message.nodes);
  for (const index of message.senders) {
    const c = clients.get(index);
    if (!c) continue;
    c.sending = true;
    c.sendTimes = new Float64Array(RING);
    c.acked = new SeqBits(4096);
    c.phase = Math.random();
    senders.push(c);
  }
  running = true;
  startedAt = nowMs();
  if (ratePerSender === 0) for (const c of senders) pump(c);
  else rateTimer = setInterval(rateTick, 1);
}

function report(): Report {
  const ackedBits: Record<string, string> = {};
  for (const c of senders) ackedBits[String(c.index)] = c.acked!.toBase64();
  const deliveredBits: Record<string, string> = {};
  for (const [key, bits] of delivered) {
    const name =
      kind === 'private' ? String(key) : `${Math.floor(key / 1_048_576)}:${key % 1_048_576}`;
    deliveredBits[name] = bits.toBase64();
  }
  return {
    type: 'report',
    ...stats,
    latency: latency.snapshot(),
    ackLatency: ackLatency.snapshot(),
    ackedBits,
    deliveredBits,
  };
}

function progress(): void {
  let outstanding = 0;
  for (const c of senders) if (!c.conn.closed) outstanding += c.outstanding;
  send({
    type: 'progress',
    sent: stats.sent,
    acked: stats.acked,
    failed: stats.failed,
    delivered: stats.delivered,
    outstanding,
  });
}

process.on('message', (raw) => {
  const message = raw as ParentToWorker;
  switch (message.op) {
    case 'login':
      void login(message.ports, message.users, message.concurrency, message.tls);
      break;
    case 'createGroup':
      void createGroup(message.group, message.creator, message.invitees);
      break;
    case 'joinGroup':
      void joinGroup(message.group, message.users);
      break;
    case 'load':
      startLoad(message);
      progressTimer = setInterval(progress, 200);
      break;
    case 'stop':
      running = false;
      if (rateTimer) clearInterval(rateTimer);
      break;
    case 'report':
      if (progressTimer) clearInterval(progressTimer);
      send(report());
      break;
    case 'close':
      expectedClose = true;
      running = false;
      if (rateTimer) clearInterval(rateTimer);
      if (progressTimer) clearInterval(progressTimer);
      for (const c of clients.values()) c.conn.destroy();
      send({ type: 'closed' });
      process.disconnect?.();
      setTimeout(() => process.exit(0), 200).unref();
      break;
  }
});

process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
