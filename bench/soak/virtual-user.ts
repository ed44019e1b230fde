// One soak user: logs in, does random things (private and group messages, groups, joins,
// /activeuser, file transfers over UDP), logs out now and then, and starts again whenever its
// connection drops (the server was killed). Everything the server acknowledges goes in the ledger.
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import type { EventMessage, ResponseMessage } from '../../src/protocol/messages.js';
import type { P2PEndpoint } from '../../src/p2p/endpoint.js';
import type { AudienceIntroduction, PresenterIntroduction } from '../../src/p2p/introduction.js';
import type { Ledger } from './ledger.js';
import type { ServerRunner } from './server-runner.js';
import { SoakSession } from './soak-client.js';

export interface VirtualUserOptions {
  name: string;
  password: string;
  everyone: readonly string[];
  server: ServerRunner;
  ledger: Ledger;
  endpoint: P2PEndpoint;
  downloadDir: string;
  /** A file this user sends, and its SHA-256. */
  file: { path: string; name: string; size: number; sha256: string };
  random: () => number;
  /** Tells the members of an acknowledged new group that they are invited. */
  announceGroup: (group: string, members: readonly string[]) => void;
  /** Until when to keep going (ms since epoch). */
  until: number;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class VirtualUser {
  private seq = 0;
  /** Groups this user is a member of: invited or joined. */
  private readonly invited = new Set<string>();
  private readonly joined = new Set<string>();
  private online: string[] = [];
  private readonly transfers = new Set<Promise<void>>();

  constructor(private readonly o: VirtualUserOptions) {}

  private pick<T>(items: readonly T[]): T | undefined {
    return items[Math.floor(this.o.random() * items.length)];
  }

  /** What this user is doing now (printed if the soak does not end). */
  stage = 'starting';

  async run(): Promise<void> {
    while (Date.now() < this.o.until) {
      this.stage = 'connecting';
      const port = await this.o.server.port();
      const session = await SoakSession.open(port, (event) => this.onEvent(event));
      if (!session) {
        await pause(50);
        continue;
      }
      this.stage = 'in a session';
      await this.useSession(session);
      session.close();
      await pause(10 + this.o.random() * 40);
    }
    this.stage = `finishing ${this.transfers.size} transfer(s)`;
    await Promise.all(this.transfers);
    this.stage = 'done';
  }

  private async useSession(session: SoakSession): Promise<void> {
    if (!ok(await session.request('username', [this.o.name]))) return;
    const login = await session.request('password', [
      this.o.password,
      String(this.o.endpoint.port),
    ]);
    if (!ok(login)) return;
    this.o.ledger.counts.logins++;
    const actions = 20 + Math.floor(this.o.random() * 80);
    for (let i = 0; i < actions && !session.closed && Date.now() < this.o.until; i++) {
      await this.act(session);
      await pause(5 + this.o.random() * 20);
    }
    if (!session.closed && this.o.random() < 0.8) {
      if (ok(await session.request('logout', []))) this.o.ledger.counts.logouts++;
    }
  }

  private async act(session: SoakSession): Promise<void> {
    this.stage = 'acting';
    const roll = this.o.random();
    const ledger = this.o.ledger;
    const others = this.o.everyone.filter((u) => u !== this.o.name);
    if (roll < 0.45) {
      const to = this.pick(others)!;
      const text = `m-${this.o.name}-${++this.seq}`;
      const reply = await session.request('msgto', [to, text]);
      if (ok(reply)) ledger.privateMessages.push(`${to}; ${text}`);
      else this.tally(reply);
    } else if (roll < 0.7 && this.joined.size > 0) {
      const group = this.pick([...this.joined])!;
      const text = `g-${this.o.name}-${++this.seq}`;
      const reply = await session.request('groupmsg', [group, text]);
      if (ok(reply)) ledger.groupMessage(group, `${this.o.name}; ${text}`);
      else this.tally(reply);
    } else if (roll < 0.78) {
      const reply = await session.request('activeuser', []);
      if (ok(reply))
        this.online = ((reply.data as { users?: Array<{ user: string }> }).users ?? []).map(
          (u) => u.user,
        );
    } else if (roll < 0.85 && this.online.length > 0) {
      const members = this.online.filter(() => this.o.random() < 0.5).slice(0, 4);
      if (members.length === 0) return;
      const group = `G${this.o.name.replace(/\W/g, '')}x${++this.seq}`;
      const reply = await session.request('creategroup', [group, ...members]);
      if (ok(reply)) {
        const created = (reply.data as { members: string[] }).members;
        ledger.groups.set(group, created);
        this.joined.add(group);
        this.o.announceGroup(group, created);
      } else this.tally(reply);
    } else if (roll < 0.93) {
      const group = this.pick([...this.invited].filter((g) => !this.joined.has(g)));
      if (!group) return;
      const reply = await session.request('joingroup', [group]);
      if (ok(reply) || reply?.error.code === 'ALREADY_JOINED') this.joined.add(group);
      if (ok(reply)) ledger.joins.add(`${group}/${this.o.name}`);
      else this.tally(reply);
    } else if (this.online.length > 0 && this.transfers.size < 2) {
      const to = this.pick(this.online)!;
      const reply = await session.request('p2pvideo', [
        to,
        this.o.file.name,
        String(this.o.file.size),
      ]);
      if (!ok(reply)) return this.tally(reply);
      const handle = this.o.endpoint.send(reply.data as PresenterIntroduction, {
        filePath: this.o.file.path,
      });
      const done = handle.result.then((result) => {
        if (result.isOk()) this.o.ledger.counts.transfersOk++;
        else this.o.ledger.transferFailed('send', result.error);
        this.transfers.delete(done);
      });
      this.transfers.add(done);
    }
  }

  private tally(reply: ResponseMessage | undefined): void {
    if (reply === undefined) this.o.ledger.counts.unacknowledged++;
    else this.o.ledger.counts.refused++;
  }

  private onEvent(event: EventMessage): void {
    if (event.ev === 'group') this.invited.add(String(event.group));
    if (event.ev !== 'p2p-incoming') return;
    const intro: AudienceIntroduction = {
      transferId: String(event.transferId),
      key: String(event.key),
      presenter: String(event.presenter),
      presenterAddress: String(event.presenterAddress),
      fileName: String(event.fileName),
      size: Number(event.size),
    };
    const handle = this.o.endpoint.expect(intro, { downloadDir: this.o.downloadDir });
    const done = handle.result.then(async (result) => {
      if (result.isErr()) return this.o.ledger.transferFailed('receive', result.error);
      // The file must arrive byte-identical: its hash is checked against the presenter's.
      const sha = createHash('sha256')
        .update(await readFile(result.value.path))
        .digest('hex');
      if (sha !== result.value.sha256) this.o.ledger.counts.transfersCorrupt++;
      else this.o.ledger.counts.transferBytes += result.value.bytes;
      await rm(result.value.path, { force: true });
    });
    this.transfers.add(done);
    void done.then(() => this.transfers.delete(done));
  }

  /** Tells this user it was invited (creation acknowledged to the creator). */
  invite(group: string): void {
    this.invited.add(group);
  }
}

const ok = (reply: ResponseMessage | undefined): reply is ResponseMessage & { ok: true } =>
  reply !== undefined && reply.ok;
