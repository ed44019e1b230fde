// Messages between the bench parent (main.ts) and its load workers (worker.ts), over the IPC
// channel of child processes. JSON-serialised; bitmaps travel as base64.
import type { HistogramSnapshot } from './histogram.js';

export const userName = (index: number): string => `user${String(index + 1).padStart(4, '0')}`;
export const userPassword = (index: number): string => `pw${String(index + 1).padStart(4, '0')}`;

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across local processes. */
export const nowMs = (): number => performance.timeOrigin + performance.now();

export const BENCH_GROUP = 'benchroom';

export type LoadKind = 'private' | 'group';

export type ParentToWorker =
  /** User i logs in on ports[i % ports.length] (one port per node of a cluster). */
  | { op: 'login'; ports: number[]; users: number[]; concurrency: number; tls: boolean }
  | { op: 'createGroup'; group: string; creator: number; invitees: number[] }
  | { op: 'joinGroup'; group: string; users: number[] }
  | {
      op: 'load';
      kind: LoadKind;
      senders: number[];
      /** private: targets are drawn uniformly from 0 … targetCount-1 (never the sender). */
      targetCount: number;
      group: string;
      /** Outstanding requests per sender (full speed), or the cap when rate-limited. */
      window: number;
      /** Messages per second per sender; 0 = full speed (pipelined up to `window`). */
      ratePerSender: number;
      /** Nodes of the cluster (users on i % nodes): with more than one, private targets are always on another node. */
      nodes: number;
    }
  | { op: 'stop' }
  | { op: 'report' }
  | { op: 'close' };

export interface Progress {
  type: 'progress';
  sent: number;
  acked: number;
  failed: number;
  delivered: number;
  outstanding: number;
}

export interface LoginDone {
  type: 'loginDone';
  ok: number;
  failed: number;
  errors: Record<string, number>;
  startedAt: number;
  endedAt: number;
  latency: HistogramSnapshot;
}

export interface Report {
  type: 'report';
  sent: number;
  acked: number;
  failed: number;
  errors: Record<string, number>;
  delivered: number;
  duplicates: number;
  misdelivered: number;
  foreign: number;
  firstSendAt: number;
  lastSendAt: number;
  lastDeliveryAt: number;
  latency: HistogramSnapshot;
  ackLatency: HistogramSnapshot;
  /** sender index → base64 bitmap of acknowledged sequence numbers. */
  ackedBits: Record<string, string>;
  /** private: sender → bitmap; group: `${sender}:${receiver}` → bitmap of delivered sequences. */
  deliveredBits: Record<string, string>;
  closedUnexpectedly: number;
  closingCodes: Record<string, number>;
}

export type WorkerToParent =
  | { type: 'ready' }
  | Progress
  | LoginDone
  | { type: 'groupCreated'; ok: boolean; members: number; error?: string }
  | { type: 'joined'; ok: number; failed: number; errors: Record<string, number> }
  | Report
  | { type: 'closed' };
