// The server under soak: the built tessenger-server as a child process that the soak kills
// (SIGKILL, no warning) and starts again on the same data directory, at random moments.
import { spawn, type ChildProcess } from 'node:child_process';

export interface ServerRunnerOptions {
  serverJs: string;
  dataDir: string;
  credentials: string;
  extraArgs: string[];
}

export class ServerRunner {
  private child: ChildProcess | null = null;
  private currentPort = 0;
  private running = false;
  /** Callers of port() while the server is down, answered when it listens again. */
  private waiters: Array<(port: number) => void> = [];
  /** Console output of every run, in order (the soak prints the tail on a failure). */
  readonly console: string[] = [];
  starts = 0;

  constructor(private readonly options: ServerRunnerOptions) {}

  /** The port of the running server, waiting while it (re)starts. */
  port(): Promise<number> {
    if (this.running) return Promise.resolve(this.currentPort);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  get lastPort(): number {
    return this.currentPort;
  }

  start(): Promise<number> {
    const { serverJs, dataDir, credentials, extraArgs } = this.options;
    const child = spawn(
      process.execPath,
      [
        serverJs,
        '0',
        '5',
        '--host',
        '127.0.0.1',
        '--data-dir',
        dataDir,
        '--credentials',
        credentials,
        ...extraArgs,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    this.starts++;
    return new Promise((resolve, reject) => {
      let out = '';
      const onData = (d: Buffer) => {
        const text = d.toString('utf8');
        this.console.push(text);
        if (this.console.length > 2000) this.console.splice(0, 1000);
        out += text;
        const match = /listening on [\d.]+:(\d+)/.exec(out);
        if (match) {
          this.currentPort = Number(match[1]);
          this.running = true;
          const waiters = this.waiters;
          this.waiters = [];
          waiters.forEach((w) => w(this.currentPort));
          resolve(this.currentPort);
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code, signal) => {
        if (!this.running)
          reject(new Error(`server exited before listening (${code ?? signal}): ${out}`));
      });
    });
  }

  /** kill -9, then start again on the same data directory. */
  async crashAndRestart(): Promise<void> {
    await this.kill('SIGKILL');
    await this.start();
  }

  /** Stops the server with `signal` and waits for it to exit; returns its exit code. */
  kill(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null)
      return Promise.resolve(child?.exitCode ?? null);
    // While it is down, port() waits for the next start.
    this.running = false;
    return new Promise((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.kill(signal);
    });
  }
}
