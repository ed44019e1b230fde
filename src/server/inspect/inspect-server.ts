// The HTTP side of the live view (`--inspect-port`): the statechart explorer page and its script
// (generated into diagrams/ by `npm run diagrams`), and the live feed at /events. Read-only: GET
// and HEAD only. It answers only requests addressed to it by an IP address, `localhost` or the
// address it was told to listen on, so a web page elsewhere cannot read it through a DNS name
// that it points at 127.0.0.1 (DNS rebinding).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { ResultAsync } from 'neverthrow';
import type { LiveFeed } from './live-feed.js';

export interface PageFiles {
  'index.html': Buffer;
  'explorer.js': Buffer;
}

const TYPES = {
  'index.html': 'text/html; charset=utf-8',
  'explorer.js': 'text/javascript; charset=utf-8',
} as const;
// The page has one inline <style> and no inline script; everything else comes from this server.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'";

function hostName(hostHeader: string | undefined): string {
  if (hostHeader === undefined) return '';
  const bracketed = /^\[([^\]]+)\]/.exec(hostHeader);
  if (bracketed) return bracketed[1] ?? '';
  return hostHeader.replace(/:\d+$/, '');
}

export class InspectServer {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static listen(
    host: string,
    port: number,
    files: PageFiles,
    feed: LiveFeed,
  ): ResultAsync<InspectServer, string> {
    const server = createServer((req, res) => handle(req, res, host, files, feed));
    return ResultAsync.fromPromise(
      new Promise<InspectServer>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host }, () => {
          server.off('error', reject);
          const address = server.address();
          resolve(
            new InspectServer(server, typeof address === 'object' && address ? address.port : port),
          );
        });
      }),
      (e) =>
        `Cannot listen on inspect port ${port}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

function handle(
  req: IncomingMessage,
  res: ServerResponse,
  host: string,
  files: PageFiles,
  feed: LiveFeed,
): void {
  const name = hostName(req.headers.host);
  if (!(isIP(name) !== 0 || name === 'localhost' || name === host))
    return plain(res, 421, 'Misdirected request: use the address the server listens on\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return plain(res, 405, 'Method not allowed\n');
  }
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/events')
    return feed.full ? plain(res, 503, 'Too many viewers of the live view\n') : feed.add(res);
  if (path === '/favicon.ico') {
    res.writeHead(204);
    return void res.end();
  }
  const file =
    path === '/' || path === '/index.html'
      ? 'index.html'
      : path === '/explorer.js'
        ? 'explorer.js'
        : undefined;
  if (file === undefined) return plain(res, 404, 'Not found\n');
  res.writeHead(200, {
    'Content-Type': TYPES[file],
    'Content-Length': files[file].length,
    'Cache-Control': 'no-cache',
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : files[file]);
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}
