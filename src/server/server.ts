import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { errAsync, okAsync, ResultAsync } from 'neverthrow';
import { createActor, fromCallback, type AnyActorRef, type EventObject } from 'xstate';
import { encodeFrame } from '../protocol/frame-codec.js';
import { encodeMessage, PROTOCOL_VERSION } from '../protocol/messages.js';
import type { ServerConfig } from './config.js';
import { ConsoleLog } from './console-log.js';
import { Connection, type ConnectionDeps } from './connection.js';
import { indexScheduledEvents } from './indexed-scheduler.js';
import { Intake, type IntakeStats } from './intake.js';
import { LoginPacing } from './login-pacing.js';
import { describeCredentialsError, loadCredentials } from './credentials.js';
import { makeDecoySecret } from './password.js';
import type { Clock } from './state/lockouts.js';
import { localSharedState } from './state/local-state.js';
import type { SharedState } from './state/shared-state.js';
import { openClusterState } from './cluster/cluster-state.js';
import { announceDeparture } from './peer-departure.js';
import { printableName } from './printable-name.js';
import { AppendLog } from './storage/append-log.js';
import { GroupLogs } from './storage/group-logs.js';
import { UserlogWriter } from './storage/userlog-writer.js';
import { GroupStore } from './storage/group-store.js';
import { nodeStorageFs, type StorageFs, type StorageOptions } from './storage/storage-fs.js';
import type { GroupLogBook, ServerServices } from './services.js';
import type { AuthDeps } from './auth.js';
import { provideSessionLogic, type SessionLogic } from './session-logic.js';
import { addressKey } from './limits/address-key.js';
import { KeyedSerializer } from './limits/keyed-serializer.js';
import { LiveInspection } from './inspect/live-inspection.js';
import { LinkAcceptor, prepareLinkSecurity } from './tls/link-security.js';

export type StartupError = { type: 'StartupFailed'; message: string };

export interface ServerRuntime {
  console?: ConsoleLog;
  clock?: Clock;
  now?: () => Date;
  /** Adapts the shared state the server made (tests inject a failing backend this way). */
  adaptState?: (state: SharedState) => SharedState;
  /** The file-system layer of the logs and stores (tests record its sync calls). */
  storageFs?: StorageFs;
  /** The live statechart view (`--inspect-port`): watches the session and lockout actors. */
  inspection?: LiveInspection;
  /** Time per turn for reading logins (login-pacing.ts; tests set 0: one login per turn). */
  loginReadBudgetMs?: number;
}

/** Longest a shutdown waits for connections to finish before closing the logs anyway. */
const SHUTDOWN_GRACE_MS = 5000;

const fail = (message: string): StartupError => ({ type: 'StartupFailed', message });

/** A running Tessenger server: listener, shared state and logs. */
export class TessengerServer {
  private readonly connections = new Map<number, Connection>();
  private nextConnectionId = 1;
  /** What every connection shares (the session logic, limits, welcome frame): made once. */
  private readonly connectionDeps: ConnectionDeps;
  private readonly connectionsPerIp = new Map<string, number>();
  private stopping = false;
  private readonly intake = new Intake();
  private readonly loginPacing: LoginPacing;
  /** Parent of the session actors: one actor system for all of them (see ConnectionDeps). */
  private readonly sessions: AnyActorRef;

  private constructor(
    private readonly config: ServerConfig,
    private readonly listener: Server,
    private readonly services: ServerServices,
    auth: AuthDeps,
    private readonly userlog: UserlogWriter,
    private readonly state: SharedState,
    private readonly groupStore: GroupStore,
    private readonly acceptor: LinkAcceptor,
    private readonly runtime: Required<Pick<ServerRuntime, 'now'>> & ServerRuntime,
  ) {
    this.loginPacing = new LoginPacing(undefined, runtime.loginReadBudgetMs);
    // Its children tell it when they end (done or error); the actor's id is the connection's.
    this.sessions = createActor(
      fromCallback<EventObject>(({ receive }) =>
        receive((event) => {
          const { actorId, error } = event as { actorId?: string; error?: unknown };
          const ended = this.connections.get(Number(actorId));
          if (event.type.startsWith('xstate.error.actor.')) ended?.sessionEnded({ error });
          else if (event.type.startsWith('xstate.done.actor.')) ended?.sessionEnded();
        }),
      ),
      runtime.clock ? { clock: runtime.clock } : {},
    ).start();
    indexScheduledEvents(this.sessions.system);
    const watch = <T extends SessionLogic>(logic: T): T =>
      runtime.inspection?.watch(logic) ?? logic;
    this.connectionDeps = {
      config,
      services,
      sessionLogic: watch(
        provideSessionLogic({
          services,
          auth,
          userlog,
          config,
          now: runtime.now,
          port: (id) => this.connectionOf(id),
        }),
      ),
      welcomeFrame: encodeFrame(
        encodeMessage({
          t: 'welcome',
          v: PROTOCOL_VERSION,
          limits: {
            maxFrameBytes: config.maxFrameBytes,
            maxMessageLength: config.maxMessageLength,
          },
        }),
      ),
      limits: {
        protocolVersion: PROTOCOL_VERSION,
        maxBadMessages: config.maxBadMessages,
        maxUnauthenticatedMessages: config.maxUnauthenticatedMessages,
      },
      intake: this.intake,
      loginPacing: this.loginPacing,
      sessions: this.sessions,
      onClosed: (closed) => this.forget(closed),
    };
  }

  /** A session's connection; it is forgotten only after its session ended (forget()). */
  private connectionOf(id: number): Connection {
    const connection = this.connections.get(id);
    if (!connection) throw new Error(`connection ${id} is gone while its session runs`);
    return connection;
  }

  static start(
    config: ServerConfig,
    runtime: ServerRuntime = {},
  ): ResultAsync<TessengerServer, StartupError> {
    const consoleLog = runtime.console ?? new ConsoleLog();
    const now = runtime.now ?? (() => new Date());
    const dataDir = config.dataDir;
    const storage: StorageOptions = { fs: runtime.storageFs ?? nodeStorageFs, sync: config.sync };
    return loadCredentials(config.credentialsFile)
      .mapErr((e) => fail(describeCredentialsError(e)))
      .andThen((credentials) =>
        ResultAsync.fromPromise(mkdir(dataDir, { recursive: true }), (e) =>
          fail(
            `Cannot create data directory ${dataDir}: ${(e as NodeJS.ErrnoException).code ?? e}`,
          ),
        ).map(() => credentials),
      )
      .andThen((credentials) =>
        AppendLog.open(join(dataDir, 'messagelog.txt'), now, storage)
          .mapErr((e) => fail(`Cannot open ${e.file}: ${e.reason}`))
          .map(({ log, sealedTornLine }) => {
            if (sealedTornLine)
              consoleLog.line(
                `Recovered ${log.file}: its last line was incomplete (a crash?) and was sealed; numbering continues from ${log.lastLineNumber}`,
              );
            return { credentials, messageLog: log };
          }),
      )
      .andThen(({ credentials, messageLog }) =>
        ResultAsync.fromSafePromise(makeDecoySecret(credentials.values())).map((decoySecret) => ({
          credentials,
          messageLog,
          decoySecret,
        })),
      )
      .andThen((opened) =>
        GroupStore.open(join(dataDir, 'groups.db'), storage)
          .mapErr((e) => fail(`Cannot open ${e.file}: ${e.reason}`))
          .map((groups) => {
            if (groups.tornTail)
              consoleLog.line(
                `Recovered ${groups.store.file}: its last record was incomplete (a crash?) and was dropped`,
              );
            if (groups.damaged > 0)
              consoleLog.line(
                `Recovered ${groups.store.file}: ${groups.damaged} damaged record(s) skipped`,
              );
            if (groups.groups.length > 0)
              consoleLog.line(
                `Restored ${groups.groups.length} group chat(s) from ${groups.store.file}`,
              );
            return { ...opened, groupStore: groups.store, restoredGroups: groups.groups };
          }),
      )
      .andThen((ready) => prepareLinkSecurity(config).map((link) => ({ ...ready, link })))
      .andThen((ready) =>
        LiveInspection.startIfAsked(config, (line) => consoleLog.line(line))
          .mapErr(fail)
          .map((inspection) => ({ ...ready, inspection })),
      )
      .andThen((ready) => {
        const { inspection } = ready;
        if (config.redisUrl === undefined) return okAsync({ ...ready, made: undefined });
        return openClusterState({
          url: config.redisUrl,
          prefix: config.redisPrefix,
          // HOST:PORT names the same node after a restart (its old users are cleared at once).
          node: config.nodeId ?? `${hostname()}:${config.port === 0 ? process.pid : config.port}`,
          heartbeatMs: config.nodeHeartbeatMs,
          expiryMs: config.nodeExpiryMs,
          timeoutMs: config.redisTimeoutMs,
          maxFailures: config.maxFailedAttempts,
          blockMs: config.blockMs,
          maxFailuresPerIpPerMinute: config.maxFailuresPerIpPerMinute,
          say: (line) => consoleLog.line(line),
        })
          .mapErr(fail)
          .map((made) => ({ ...ready, made }));
      })
      .andThen((ready) => {
        const { inspection } = ready;
        const made =
          ready.made ??
          localSharedState({
            lockouts: {
              ...(inspection ? { watch: (machine) => inspection.watch(machine) } : {}),
              maxFailures: config.maxFailedAttempts,
              blockMs: config.blockMs,
              ...(runtime.clock ? { clock: runtime.clock } : {}),
              onUnlocked: (username) => consoleLog.line(`${username} is no longer blocked`),
            },
            maxFailuresPerIpPerMinute: config.maxFailuresPerIpPerMinute,
            groupRecorder: ready.groupStore,
            restoredGroups: ready.restoredGroups,
          });
        const state = runtime.adaptState?.(made) ?? made;
        const userlog = new UserlogWriter(
          join(dataDir, 'userlog.txt'),
          () => state.presence.list(),
          storage,
        );
        return ResultAsync.fromPromise(userlog.update(), (e) =>
          fail(`Cannot write ${userlog.file}: ${(e as NodeJS.ErrnoException).code ?? e}`),
        )
          .orElse((e) => closeAfterFailure(state, e))
          .map(() => ({ ...ready, state, userlog }));
      })
      .andThen(
        ({
          credentials,
          messageLog,
          state,
          userlog,
          decoySecret,
          groupStore,
          link,
          inspection,
        }) => {
          consoleLog.line(link.consoleLine);
          const acceptor = new LinkAcceptor({
            security: link.security,
            handshakeTimeoutMs: config.loginTimeoutMs,
            console: consoleLog,
          });
          const services: ServerServices = {
            credentials,
            presence: state.presence,
            delivery: state.delivery,
            groups: state.groups,
            transfers: state.transfers,
            messageLog: state.numbered('messagelog', messageLog),
            groupLogs: numberedGroupLogs(
              new GroupLogs(
                dataDir,
                (file) =>
                  consoleLog.line(`Recovered ${file}: its last line was incomplete and was sealed`),
                storage,
              ),
              state,
              config.redisUrl !== undefined,
            ),
            console: consoleLog,
            maxMessageLength: config.maxMessageLength,
            maxGroups: config.maxGroups,
          };
          const auth: AuthDeps = {
            credentials,
            decoySecret,
            lockouts: state.lockouts,
            presence: state.presence,
            failuresByIp: state.loginThrottle,
            attemptsByUsername: new KeyedSerializer(),
          };
          const listener = createServer();
          const server = new TessengerServer(
            config,
            listener,
            services,
            auth,
            userlog,
            state,
            groupStore,
            acceptor,
            { ...runtime, now, console: consoleLog, ...(inspection ? { inspection } : {}) },
          );
          server.followCluster();
          return server.listen().orElse((e) => closeAfterFailure(state, e));
        },
      );
  }

  /** What changes elsewhere in a cluster does here (one server: nothing ever does). */
  private followCluster(): void {
    const { services, userlog, state } = this;
    const consoleLog = services.console;
    state.listen({
      presenceChanged: () => void userlog.update().catch(() => {}),
      usersLeft: (node, usernames) => {
        for (const username of usernames) {
          consoleLog.line(
            `${printableName(username)} left the cluster: node ${node} stopped heartbeating`,
          );
          void announceDeparture(services, username);
        }
        void userlog.update().catch(() => {});
      },
      // Cut off longer than the expiry, this node's users were reaped and a name logged in
      // elsewhere meanwhile: a name is held once, by the newer session.
      namesTaken: (usernames) => {
        const taken = new Set(usernames);
        consoleLog.line(
          `After the cluster outage, another node holds ${usernames.map(printableName).join(', ')}: ending the session(s) here`,
        );
        for (const connection of this.connections.values())
          if (connection.session && taken.has(connection.session.username))
            connection.close({ code: 'LOGGED_IN_ELSEWHERE' });
      },
    });
  }

  get port(): number {
    const address = this.listener.address();
    return typeof address === 'object' && address ? address.port : this.config.port;
  }

  /** Back-pressure's high-water marks (--stats-file, tests). */
  intakeStats(): IntakeStats {
    return { ...this.intake.stats };
  }

  private listen(): ResultAsync<TessengerServer, StartupError> {
    this.listener.maxConnections = this.config.maxConnections + 64; // room to send the refusal
    this.listener.on('connection', (raw) => {
      if (this.stopping) return void raw.destroy();
      this.acceptor.accept(raw, (socket) => this.accept(socket));
    });
    return ResultAsync.fromPromise(
      new Promise<void>((resolve, reject) => {
        this.listener.once('error', reject);
        this.listener.listen(
          { port: this.config.port, host: this.config.host, backlog: 4096 },
          () => {
            this.listener.off('error', reject);
            resolve();
          },
        );
      }),
      (e) =>
        fail(
          `Cannot listen on port ${this.config.port}: ${(e as NodeJS.ErrnoException).code ?? e}`,
        ),
    ).map(() => {
      this.listener.on('error', (e) => this.services.console.line(`Listener error: ${String(e)}`));
      this.services.console.line(
        `Tessenger server listening on ${this.config.host ?? '0.0.0.0'}:${this.port}`,
      );
      return this;
    });
  }

  private accept(socket: Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const connection = new Connection(this.nextConnectionId++, socket, this.connectionDeps);
    this.connections.set(connection.id, connection);
    connection.start();
    const key = addressKey(connection.address);
    const fromIp = (this.connectionsPerIp.get(key) ?? 0) + 1;
    this.connectionsPerIp.set(key, fromIp);
    if (this.connections.size > this.config.maxConnections) {
      this.services.console.line(
        `Refusing connection from ${connection.address}: limit maxConnections (${this.config.maxConnections}) reached`,
      );
      connection.close({ code: 'TOO_MANY_CONNECTIONS', limit: this.config.maxConnections });
    } else if (fromIp > this.config.maxConnectionsPerIp) {
      this.services.console.line(
        `Refusing connection from ${connection.address}: limit maxConnectionsPerIp (${this.config.maxConnectionsPerIp}) reached`,
      );
      connection.close({
        code: 'TOO_MANY_CONNECTIONS_FROM_IP',
        limit: this.config.maxConnectionsPerIp,
      });
    }
  }

  private forget(connection: Connection): void {
    this.connections.delete(connection.id);
    const key = addressKey(connection.address);
    const left = (this.connectionsPerIp.get(key) ?? 1) - 1;
    if (left <= 0) this.connectionsPerIp.delete(key);
    else this.connectionsPerIp.set(key, left);
  }

  /** Graceful shutdown: every client is told, logs are flushed, then the listener closes. */
  async shutdown(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.services.console.line('Server shutting down: telling every client');
    // The listener reports closed once every connection has gone; each one ends within its close
    // grace, so the bound below only guards against a command stuck in a failing backend.
    const allClosed = new Promise<void>((resolve) => this.listener.close(() => resolve()));
    this.acceptor.closeHandshaking();
    for (const connection of this.connections.values()) connection.close({ code: 'SHUTTING_DOWN' });
    await Promise.race([
      allClosed,
      new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref()),
    ]);
    await this.services.messageLog.close();
    await this.services.groupLogs.closeAll();
    await this.groupStore.close();
    await this.userlog.update().catch(() => {});
    await this.state.close();
    await this.runtime.inspection?.close();
    this.services.console.line('Server stopped');
    this.services.console.flush();
  }
}

/**
 * Group logs whose lines are numbered the way the shared state says: by the file on one server
 * (the logs as they are, no wrapper on the group-message path), from the group's cluster-wide
 * counter in a cluster.
 */
function numberedGroupLogs(logs: GroupLogs, state: SharedState, cluster: boolean): GroupLogBook {
  if (!cluster) return logs;
  return {
    open: (group) => logs.open(group).map((log) => state.numbered(`group:${group}`, log)),
    closeAll: () => logs.closeAll(),
  };
}

/** A start that failed after the shared state was opened lets it go (a cluster node leaves Redis). */
function closeAfterFailure(state: SharedState, e: StartupError): ResultAsync<never, StartupError> {
  return ResultAsync.fromSafePromise(state.close()).andThen(() => errAsync(e));
}
