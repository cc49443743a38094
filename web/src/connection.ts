import type { PresenceStatus, ReplyFrame, ServerFrame } from './protocol';

export type ConnectionState = 'connecting' | 'online' | 'reconnecting' | 'ended';

export interface ConnectionHandlers {
  /** `resumed` when this auth carried a `since` cursor. */
  authed(frame: Extract<ReplyFrame, { type: 'authed' }>, resumed: boolean): void;
  frame(frame: ServerFrame): void;
  state(state: ConnectionState): void;
  /** The session is over (logged out elsewhere, replaced, or the token is no longer valid): do not reconnect. */
  ended(code: string, message: string, messageZh: string): void;
}

export class RequestError extends Error {
  constructor(public readonly code: string, message: string, public readonly messageZh: string) { super(message); }
}

type Outgoing = { op: string; [key: string]: unknown };

const PING_INTERVAL = 25_000;
const BACKOFF = [250, 500, 1000, 2000, 3000, 5000];

/**
 * One WebSocket per page (docs/protocol.md §4): authenticates with the session token, resumes from the
 * cursor after a drop with exponential backoff, pings when idle, and matches replies to requests by id.
 */
export class Connection {
  private socket: WebSocket | null = null;
  private nextId = 1;
  private pending = new Map<number, { resolve(f: ReplyFrame): void; reject(e: Error): void }>();
  private attempts = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private pinger: ReturnType<typeof setInterval> | null = null;
  private stopped = false;
  private authedOnce = false;
  private authenticated = false;

  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly cursor: () => number,
    private readonly status: () => PresenceStatus,
    private readonly handlers: ConnectionHandlers,
    private readonly createSocket: (url: string) => WebSocket = (u) => new WebSocket(u),
    /** The state is already loaded (another connection of this page): the first auth resumes from the cursor too. */
    resume = false,
  ) {
    this.authedOnce = resume;
  }

  get isAuthenticated() { return this.authenticated; }

  start() {
    this.stopped = false;
    this.open();
  }

  /** Closes for good (log out, page leaving). */
  stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.teardown();
    this.socket?.close(1000);
    this.socket = null;
  }

  /** Reconnects at once (the browser says the network is back). */
  nudge() {
    if (this.stopped || this.authenticated) return;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (!this.socket) this.open();
  }

  /** Sends a frame that has a reply; rejects on an `error` reply or when the connection drops first. */
  request(frame: Outgoing): Promise<ReplyFrame> {
    if (!this.authenticated || !this.socket) return Promise.reject(new RequestError('disconnected', 'Not connected.', '未连接。'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket!.send(JSON.stringify({ ...frame, id }));
    });
  }

  /** Sends a frame without a reply (`typing`, `ack`); dropped when not connected. */
  post(frame: Outgoing) {
    if (this.authenticated && this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  private open() {
    this.handlers.state(this.authedOnce ? 'reconnecting' : 'connecting');
    let socket: WebSocket;
    try {
      socket = this.createSocket(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      const since = this.authedOnce ? this.cursor() : undefined;
      const id = this.nextId++;
      this.pending.set(id, {
        resolve: (f) => {
          if (f.type !== 'authed') return;
          this.authenticated = true;
          this.attempts = 0;
          this.handlers.state('online');
          this.handlers.authed(f, since !== undefined);
          this.authedOnce = true;
        },
        reject: (e) => {
          if (e instanceof RequestError && e.code === 'invalid_token') {
            this.stopped = true;
            this.handlers.ended('session_revoked', e.message, e.messageZh);
            socket.close(1000);
          }
        },
      });
      socket.send(JSON.stringify({ op: 'auth', id, token: this.token, since, status: this.status() }));
      this.pinger = setInterval(() => this.post({ op: 'ping' }), PING_INTERVAL);
    };
    socket.onmessage = (event) => {
      if (typeof event.data !== 'string') return;
      let frame: ServerFrame & { re?: number };
      try { frame = JSON.parse(event.data); } catch { return; }
      if (typeof frame !== 'object' || frame === null) return;
      if (frame.type === 'session.ended') {
        this.stopped = true;
        this.handlers.ended(frame.code, frame.message, frame.messageZh);
        return;
      }
      if (typeof frame.re === 'number' && frame.re > 0 && this.pending.has(frame.re)) {
        const waiter = this.pending.get(frame.re)!;
        this.pending.delete(frame.re);
        if (frame.type === 'error') waiter.reject(new RequestError(frame.code, frame.message, frame.messageZh));
        else waiter.resolve(frame as ReplyFrame);
        if (frame.type === 'authed' || frame.type === 'error') return;
      }
      this.handlers.frame(frame);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.teardown();
      if (event.code === 4001 || event.code === 4002) this.stopped = true;
      if (this.stopped) {
        this.handlers.state('ended');
        return;
      }
      this.scheduleReconnect();
    };
  }

  private teardown() {
    this.authenticated = false;
    if (this.pinger) { clearInterval(this.pinger); this.pinger = null; }
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const w of waiting) w.reject(new RequestError('disconnected', 'The connection dropped.', '连接已断开。'));
  }

  private scheduleReconnect() {
    this.handlers.state(this.authedOnce ? 'reconnecting' : 'connecting');
    const base = BACKOFF[Math.min(this.attempts, BACKOFF.length - 1)];
    this.attempts++;
    this.timer = setTimeout(() => { this.timer = null; if (!this.stopped) this.open(); }, base + Math.random() * base * 0.3);
  }
}
