/**
 * The embedded database over the Postgres wire protocol, on loopback (ASSAY_SQL_PORT, 5433), so
 * `psql`, `pg` and BI tools read the results tables and dataset views while Assay runs.
 *
 * `@electric-sql/pglite-socket` frames the protocol (startup, SSL refusal, cancel requests, one
 * message at a time per connection); the turns are ours. PGlite is one backend, so a client gets it
 * to itself from its first message until the backend is idle again — `ReadyForQuery` with status
 * `I` (not in a transaction) — through the same `SessionGate` Assay's own queries take. A client's
 * transaction therefore never mixes with Assay's, and while a client is in a transaction (or in a
 * long query) Assay's own queries wait. A client that keeps a transaction open and idle longer than
 * `idleInTransactionMs` is disconnected and its transaction rolled back, as Postgres'
 * `idle_in_transaction_session_timeout` does.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler, type PGLiteSocketHandlerOptions } from '@electric-sql/pglite-socket';
import type { GateTurn, SessionGate } from './session-gate.ts';

export interface SqlPortOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Most clients connected at once. Default 16. */
  maxConnections?: number;
  /** Longest a client may hold an open transaction without sending anything, ms. Default 10000. */
  idleInTransactionMs?: number;
}

export interface SqlPort {
  readonly port: number;
  /** `postgres://postgres@host:port/postgres` */
  readonly url: string;
  close(): Promise<void>;
}

const READY_FOR_QUERY = 0x5a; // 'Z'
const IDLE = 0x49; // 'I'
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]); // 'S', length 4

/** The query queue each socket handler sends its messages to: here, turns at the shared gate. */
class ClientTurns {
  private readonly turns = new Map<number, GateTurn>();
  private readonly idleTimers = new Map<number, NodeJS.Timeout>();
  private readonly sockets = new Map<number, Socket>();

  constructor(
    private readonly pglite: PGlite,
    private readonly gate: SessionGate,
    private readonly idleInTransactionMs: number,
  ) {}

  track(handlerId: number, socket: Socket): void {
    this.sockets.set(handlerId, socket);
  }

  async enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    this.stopIdleTimer(handlerId);
    let turn = this.turns.get(handlerId);
    if (!turn) {
      turn = await this.gate.acquire(holderName(handlerId));
      if (!this.sockets.has(handlerId)) {
        // Disconnected while waiting for its turn.
        turn.release();
        throw new Error('client disconnected');
      }
      this.turns.set(handlerId, turn);
    }
    // The last 6 bytes answered tell whether the backend is idle again: ReadyForQuery ('Z', length 5, status).
    const tail = new Uint8Array(6);
    let bytes = 0;
    await this.pglite.runExclusive(() =>
      this.pglite.execProtocolRawStream(message, {
        onRawData: (data) => {
          bytes += data.length;
          keepTail(tail, data);
          onData(data);
        },
      }),
    );
    const ready = tail[0] === READY_FOR_QUERY && tail[4] === 5;
    if (ready && tail[5] === IDLE) this.endTurn(handlerId);
    else this.startIdleTimer(handlerId);
    return bytes;
  }

  clearQueueForHandler(handlerId: number): void {
    this.stopIdleTimer(handlerId);
    this.gate.cancel(holderName(handlerId), new Error('client disconnected'));
  }

  /** The client went away: end whatever it left open (an extended exchange, a transaction), then pass the turn on. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    this.sockets.delete(handlerId);
    if (!this.turns.has(handlerId)) return;
    try {
      await this.pglite.runExclusive(() => this.pglite.execProtocolRawStream(SYNC, { onRawData: () => {} }));
      if (this.pglite.isInTransaction()) await this.pglite.exec('rollback');
    } finally {
      this.endTurn(handlerId);
    }
  }

  getQueueLength(): number {
    return this.gate.waiting;
  }

  private endTurn(handlerId: number): void {
    this.stopIdleTimer(handlerId);
    const turn = this.turns.get(handlerId);
    this.turns.delete(handlerId);
    turn?.release();
  }

  private startIdleTimer(handlerId: number): void {
    const timer = setTimeout(() => {
      // Closing the socket makes the handler detach, which rolls back and passes the turn on.
      this.sockets.get(handlerId)?.destroy();
    }, this.idleInTransactionMs);
    timer.unref();
    this.idleTimers.set(handlerId, timer);
  }

  private stopIdleTimer(handlerId: number): void {
    clearTimeout(this.idleTimers.get(handlerId));
    this.idleTimers.delete(handlerId);
  }
}

function holderName(handlerId: number): string {
  return `sql client #${handlerId}`;
}

function keepTail(tail: Uint8Array, data: Uint8Array): void {
  if (data.length >= tail.length) {
    tail.set(data.subarray(data.length - tail.length));
    return;
  }
  tail.copyWithin(0, data.length);
  tail.set(data, tail.length - data.length);
}

/** Starts serving `pglite` on host:port; resolves once listening. */
export async function startSqlPort(pglite: PGlite, gate: SessionGate, options: SqlPortOptions): Promise<SqlPort> {
  const turns = new ClientTurns(pglite, gate, options.idleInTransactionMs ?? 10_000);
  const handlers = new Set<PGLiteSocketHandler>();
  const server: Server = createServer((socket) => {
    const handler = new PGLiteSocketHandler({
      // The handler only calls enqueue / clearQueueForHandler / clearTransactionIfNeeded on its queue.
      queryQueue: turns as unknown as PGLiteSocketHandlerOptions['queryQueue'],
      closeOnDetach: true,
    });
    handlers.add(handler);
    const forget = () => handlers.delete(handler);
    handler.addEventListener('close', forget);
    handler.addEventListener('error', forget);
    turns.track(handler.handlerId, socket);
    void handler.attach(socket);
  });
  server.maxConnections = options.maxConnections ?? 16;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    port,
    url: `postgres://postgres@${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/postgres`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...handlers].map((h) => h.detach(true)));
      await closed;
    },
  };
}
