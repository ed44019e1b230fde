/**
 * Back-pressure: how much work the server takes in before it stops reading. A server that keeps
 * reading requests it cannot serve yet queues them in memory without bound and collapses past its
 * capacity; instead each connection stops reading (socket.pause) while
 *
 *  * its own commands still running reach MAX_IN_FLIGHT_PER_CONNECTION,
 *  * its socket's outgoing buffer is over the socket's high-water mark (the client does not read
 *    its answers fast enough), or
 *  * the whole server's running commands reach MAX_IN_FLIGHT_TOTAL (the log writer is behind),
 *
 * and reads again once the condition has cleared. Unread requests stay in the kernel's socket
 * buffers, and TCP pushes back on the client. Nothing is refused or lost: every request is read
 * and answered, in order, a little later.
 */

/** Enough for a pipelining client to keep the log's batches full; a window of 32 never waits. */
export const MAX_IN_FLIGHT_PER_CONNECTION = 64;
/** Bounds the log writer's queue (and so each batch) for the whole server. */
export const MAX_IN_FLIGHT_TOTAL = 8192;
/** Reading resumes once the server-wide count has fallen this far: no pause/resume per command. */
const RESUME_TOTAL = MAX_IN_FLIGHT_TOTAL * 0.75;

/** High-water marks since the server started: the bounds a test or a benchmark can check. */
export interface IntakeStats {
  /** Most commands running at once on one connection. */
  peakInFlightPerConnection: number;
  /** Most commands running at once on the whole server. */
  peakInFlightTotal: number;
  /** Most bytes one connection held read but not yet turned into requests. */
  peakUnreadBytes: number;
  /** Most bytes one connection had queued for its client when a request was read. */
  peakQueuedReplyBytes: number;
  /** Times a connection stopped reading, and how many are stopped now. */
  pauses: number;
  pausedNow: number;
  /** Requests read (turned into session events) since the start. */
  requestsRead: number;
}

/** Something that stopped reading because the server as a whole was full. */
export interface Reader {
  readMore(): void;
}

/** The server-wide side of back-pressure: one per server, shared by its connections. */
export class Intake {
  private inFlight = 0;
  private readonly waiting = new Set<Reader>();
  readonly stats: IntakeStats = {
    peakInFlightPerConnection: 0,
    peakInFlightTotal: 0,
    peakUnreadBytes: 0,
    peakQueuedReplyBytes: 0,
    pauses: 0,
    pausedNow: 0,
    requestsRead: 0,
  };

  get full(): boolean {
    return this.inFlight >= MAX_IN_FLIGHT_TOTAL;
  }

  /** How many more commands the whole server may start now. */
  get room(): number {
    return MAX_IN_FLIGHT_TOTAL - this.inFlight;
  }

  /** A command started; `ofConnection` is how many now run on its connection. */
  began(ofConnection: number): void {
    this.inFlight += 1;
    const { stats } = this;
    if (this.inFlight > stats.peakInFlightTotal) stats.peakInFlightTotal = this.inFlight;
    if (ofConnection > stats.peakInFlightPerConnection)
      stats.peakInFlightPerConnection = ofConnection;
  }

  /** A command was answered; readers held back by the server-wide bound read again below it. */
  ended(): void {
    this.inFlight -= 1;
    if (this.waiting.size > 0 && this.inFlight <= RESUME_TOTAL) {
      const readers = [...this.waiting];
      this.waiting.clear();
      for (const reader of readers) reader.readMore();
    }
  }

  /** `reader` is called back once the server-wide count has fallen. */
  waitForRoom(reader: Reader): void {
    this.waiting.add(reader);
  }

  forget(reader: Reader): void {
    this.waiting.delete(reader);
  }
}
