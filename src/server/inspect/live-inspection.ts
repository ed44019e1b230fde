// `--inspect-port`: everything the live view needs, started and stopped with the server. The
// server asks it to watch the machines it makes actors from; nothing else in the server changes.
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { errAsync, okAsync, ResultAsync } from 'neverthrow';
import type { AnyStateMachine } from 'xstate';
import { ActorCensus } from './actor-census.js';
import { InspectServer, type PageFiles } from './inspect-server.js';
import { LiveFeed } from './live-feed.js';

/** diagrams/ at the package root, from src/server/inspect (tsx) or dist/src/server/inspect (built). */
const candidates = ['../../../diagrams/', '../../../../diagrams/'].map((p) =>
  fileURLToPath(new URL(p, import.meta.url)),
);

async function findPage(): Promise<PageFiles | undefined> {
  for (const dir of candidates) {
    try {
      const [html, js] = await Promise.all([
        readFile(`${dir}index.html`),
        readFile(`${dir}explorer.js`),
      ]);
      return { 'index.html': html, 'explorer.js': js };
    } catch {
      // not in this layout: try the next one
    }
  }
  return undefined;
}

const readPage = (): ResultAsync<PageFiles, string> =>
  ResultAsync.fromSafePromise(findPage()).andThen((files) =>
    files
      ? okAsync(files)
      : errAsync('Cannot find diagrams/index.html and diagrams/explorer.js (run npm run diagrams)'),
  );

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** What the console says when the live view starts: its URL, and a warning off loopback. */
export function announcement(host: string, port: number): string[] {
  const lines = [
    `Live statechart view on http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
  ];
  if (!isLoopback(host))
    lines.push(
      `Warning: the live view on ${host} is not loopback: anyone who can reach it sees user names and session states`,
    );
  return lines;
}

export class LiveInspection {
  private constructor(
    private readonly census: ActorCensus,
    private readonly feed: LiveFeed,
    private readonly http: InspectServer,
  ) {}

  static start(
    host: string,
    port: number,
    say: (line: string) => void,
  ): ResultAsync<LiveInspection, string> {
    const census = new ActorCensus();
    const feed = new LiveFeed(census);
    return readPage()
      .andThen((files) => InspectServer.listen(host, port, files, feed))
      .map((http) => {
        for (const line of announcement(host, http.port)) say(line);
        return new LiveInspection(census, feed, http);
      });
  }

  /** Starts the live view if the config asks for one (`--inspect-port`). */
  static startIfAsked(
    config: { inspectPort: number | undefined; inspectHost: string },
    say: (line: string) => void,
  ): ResultAsync<LiveInspection | undefined, string> {
    return config.inspectPort === undefined
      ? okAsync(undefined)
      : LiveInspection.start(config.inspectHost, config.inspectPort, say);
  }

  get port(): number {
    return this.http.port;
  }

  watch<T extends AnyStateMachine>(machine: T): T {
    return this.census.watch(machine);
  }

  async close(): Promise<void> {
    this.feed.close();
    await this.http.close();
  }
}
