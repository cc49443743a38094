import { Api, ApiError } from './api';
import { Connection, RequestError } from './connection';
import type { DurableEvent, GroupMessage, Message, PresenceStatus, RoomExitReason, RoomInfo, RoomMessage, ServerFrame } from './protocol';
import {
  applyGroupList, applyGroupMessage, applyGroupPage, applyGroupRecall, applySummary, heldSeq, type GroupPending,
} from './groups';
import { isDurable } from './protocol';
import type { ChatState, Pending } from './state';
import {
  applyConversations, applyEvent, applyHistoryPage, applyMessage, emptyState,
} from './state';
import { Store } from './store';

/** A chat room this page is inside (§12): live only, so it lives beside the synced state, not in it. */
export interface RoomView { room: RoomInfo; people: number[]; messages: RoomMessage[]; out?: RoomExitReason }

/** A stored file to send as a message (§10.3, §10.6); `durationMs` for a voice clip. */
export interface SentFile { id: string; name: string; durationMs?: number }

export interface SavedSession { token: string; number: number; sessionId: number }

const SESSION_KEY = 'penguin.session';
const STATUS_KEY = 'penguin.status';
const outboxKey = (number: number) => `penguin.outbox.${number}`;

export function newClientId(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}

export interface Ended { code: string; message: string; messageZh: string }

/**
 * The web client's engine: the REST API, one WebSocket, and the state both feed. Messages typed offline
 * wait in an outbox (kept in localStorage with their client ids) and are sent when the connection is back;
 * a retry with the same client id is stored at most once by the server.
 */
export class PenguinClient {
  readonly api: Api;
  readonly state = new Store<ChatState>(emptyState());
  readonly session = new Store<SavedSession | null>(null);
  readonly ended = new Store<Ended | null>(null);
  readonly rooms = new Store<Record<number, RoomView>>({});
  private connection: Connection | null = null;
  private loading = false;
  /** The state was loaded over REST once: later connections resume from the cursor. */
  private loaded = false;
  private historyLoads = new Set<number>();
  private buffered: ServerFrame[] = [];
  private ackTimer: ReturnType<typeof setTimeout> | null = null;
  private inFlight = new Set<string>();
  /** The log's head when this connection authenticated: events above it are live, not replayed. */
  private headAtAuth = Number.MAX_SAFE_INTEGER;
  /** Called for each live message from someone else (for notifications). */
  onIncoming: ((m: Message) => void) | null = null;
  /** Called for each live group message from someone else. */
  onIncomingGroup: ((m: GroupMessage) => void) | null = null;
  private groupReadSent = new Map<number, number>();
  private groupLoads = new Set<number>();
  private readSent = new Map<number, number>();
  private typingSent = new Map<number, number>();

  constructor(private readonly storage: Storage, private readonly wsUrl: string, api?: Api) {
    this.api = api ?? new Api();
    const saved = this.read<SavedSession>(SESSION_KEY);
    if (saved?.token) {
      this.api.token = saved.token;
      this.session.set(saved);
    }
  }

  get status(): PresenceStatus {
    const s = this.storage.getItem(STATUS_KEY) as PresenceStatus | null;
    return s && s !== 'offline' ? s : 'online';
  }

  async register(nickname: string, password: string): Promise<number> {
    const { number } = await this.api.register(nickname, password);
    return number;
  }

  async login(number: number, password: string) {
    const r = await this.api.login(number, password, 'web', deviceName());
    const saved = { token: r.token, number, sessionId: r.sessionId };
    this.storage.setItem(SESSION_KEY, JSON.stringify(saved));
    this.api.token = r.token;
    this.ended.set(null);
    this.state.set({ ...emptyState(), me: r.profile, outbox: this.read<Pending[]>(outboxKey(number)) ?? [] });
    this.session.set(saved);
  }

  /** Connects with the saved session (after login, or on page load). */
  start() {
    const saved = this.session.get();
    if (!saved || this.connection) return;
    if (!this.state.get().me) this.state.set({ ...emptyState(), outbox: this.read<Pending[]>(outboxKey(saved.number)) ?? [] });
    const resume = this.loaded;
    this.connection = new Connection(this.wsUrl, saved.token, () => this.state.get().cursor, () => this.status, {
      authed: (f, resumed) => void this.onAuthed(f.seq, f.me, f.settings, resumed),
      frame: (f) => this.onFrame(f),
      state: (c) => this.state.update((s) => ({ ...s, connectivity: c })),
      ended: (code, message, messageZh) => {
        // The same session connected in another tab or window: stop here, keep the session for that one.
        if (code === 'session_replaced') this.replaced({ code, message, messageZh });
        else this.end({ code, message, messageZh });
      },
    }, undefined, resume);
    this.connection.start();
  }

  /** Connects again after this page was replaced by another connection of the same session. */
  takeOver() {
    this.connection?.stop();
    this.connection = null;
    this.ended.set(null);
    this.start();
  }

  private replaced(reason: Ended) {
    this.ended.set(reason);
    this.state.update((s) => ({ ...s, connectivity: 'ended' }));
  }

  nudge() { this.connection?.nudge(); }

  async logout() {
    try { await this.api.logout(); } catch { /* the session may already be gone */ }
    this.end(null);
  }

  /** Forgets the session and everything shown; `reason` says why when it was not the user's choice. */
  end(reason: Ended | null) {
    this.connection?.stop();
    this.connection = null;
    this.loaded = false;
    this.storage.removeItem(SESSION_KEY);
    this.api.token = null;
    this.state.set(emptyState());
    this.session.set(null);
    this.ended.set(reason);
  }

  private async onAuthed(seq: number, me: ChatState['me'], settings: ChatState['settings'], resumed: boolean) {
    this.headAtAuth = seq;
    this.inFlight.clear();
    this.readSent.clear();
    this.groupReadSent.clear();
    // Being inside a room belongs to the connection: enter again the rooms this page was inside.
    for (const r of Object.values(this.rooms.get())) if (!r.out) void this.enterRoom(r.room.id).catch(() => {});
    const state = this.state.get();
    if (resumed && seq >= state.cursor) {
      // The replay of everything after our cursor follows; then the outbox goes out.
      this.state.set({ ...state, me, settings });
      this.flushOutbox();
      // Group messages are not in the event log (§11): catch up per group after the drop.
      void this.catchUpGroups();
      return;
    }
    // First connection of this page (or a server that does not know our cursor): load the state over REST,
    // holding back the events that arrive meanwhile, then apply them on top (they are idempotent).
    this.loading = true;
    this.buffered = [];
    try {
      const [friends, requests, blocks, conversations, groups] = await Promise.all([
        this.api.friends(), this.api.friendRequests(), this.api.blocks(), this.api.conversations(),
        this.api.myGroups().catch(() => ({ groups: [] })),
      ]);
      let s: ChatState = {
        ...emptyState(), me, settings, cursor: seq, connectivity: this.state.get().connectivity,
        outbox: this.state.get().outbox, presence: this.state.get().presence,
        groups: friends.groups,
        friends: Object.fromEntries(friends.friends.map((f) => [f.profile.number, f])),
        requests: Object.fromEntries([...requests.incoming, ...requests.outgoing].map((r) => [r.id, r])),
        blocked: blocks.blocked,
      };
      s = applyConversations(s, conversations.conversations);
      s = { ...s, chat: applyGroupList({ ...this.state.get().chat, requests: {} }, groups.groups) };
      this.state.set(s);
      void this.loadGroupRequests();
      this.loaded = true;
      await this.loadStrangers(conversations.conversations.map((c) => c.peer));
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) { this.end({ code: e.code, message: e.message, messageZh: e.body.messageZh }); return; }
    } finally {
      this.loading = false;
    }
    const held = this.buffered;
    this.buffered = [];
    for (const f of held) this.onFrame(f);
    this.scheduleAck(true);
    this.flushOutbox();
    void this.catchUpGroups();
  }

  private onFrame(f: ServerFrame) {
    if (this.loading && f.type !== 'presence.snapshot' && f.type !== 'presence' && f.type !== 'typing' && f.type !== 'group.message' && f.type !== 'group.recalled' && f.type !== 'group.member' && f.type !== 'group.member.left' && !f.type.startsWith('room.')) {
      this.buffered.push(f);
      return;
    }
    if (isDurable(f)) {
      this.applyDurable(f);
      return;
    }
    switch (f.type) {
      case 'presence.snapshot':
        this.state.update((s) => ({ ...s, presence: Object.fromEntries(f.friends.map((p) => [p.number, p])) }));
        break;
      case 'presence':
        this.state.update((s) => ({ ...s, presence: { ...s.presence, [f.presence.number]: f.presence } }));
        break;
      case 'group.message':
        this.state.update((s) => ({ ...s, chat: applyGroupMessage(s.chat, f.message, s.me?.number ?? 0) }));
        if (f.message.from !== this.state.get().me?.number) this.onIncomingGroup?.(f.message);
        break;
      case 'group.recalled':
        this.state.update((s) => ({ ...s, chat: applyGroupRecall(s.chat, f.groupId, f.messageSeq) }));
        break;
      case 'room.message':
        this.updateRoom(f.message.roomId, (r) => ({ ...r, messages: [...r.messages, f.message].slice(-200) }));
        void this.loadStrangers([f.message.from]);
        break;
      case 'room.person.entered':
        this.updateRoom(f.roomId, (r) => ({ ...r, room: { ...r.room, people: f.people }, people: r.people.includes(f.number) ? r.people : [...r.people, f.number] }));
        void this.loadStrangers([f.number]);
        break;
      case 'room.person.left':
        this.updateRoom(f.roomId, (r) => ({ ...r, room: { ...r.room, people: f.people }, people: r.people.filter((n) => n !== f.number) }));
        break;
      case 'room.removed':
        this.updateRoom(f.roomId, (r) => ({ ...r, out: f.reason }));
        break;
      case 'typing':
        this.state.update((s) => {
          const typing = { ...s.typing };
          if (f.active) typing[f.from] = Date.now() + 10_000; else delete typing[f.from];
          return { ...s, typing };
        });
        break;
    }
  }

  private applyDurable(e: DurableEvent) {
    const before = this.state.get();
    if (e.seq <= before.cursor && e.type !== 'message') {
      // Seen already; a `message` is still upserted (it may confirm a pending send after a resume).
      return;
    }
    const after = applyEvent(before, e);
    this.state.set(after);
    if (after.outbox !== before.outbox) this.saveOutbox();
    if (e.type === 'message' && e.message.from !== after.me?.number) {
      this.scheduleAck(false);
      if (e.seq > this.headAtAuth && e.seq > before.cursor) this.onIncoming?.(e.message);
    }
    if (e.type === 'message' && e.message.from !== after.me?.number && !after.friends[e.message.from]) {
      void this.loadStrangers([e.message.from]);
    }
    if (e.type === 'group.request') void this.loadStrangers([e.request.from]);
    if (e.type === 'group.joined' && after.chat.histories[e.group.group.id]?.loaded) void this.catchUpGroup(e.group.group.id);
  }

  private scheduleAck(now: boolean) {
    if (this.ackTimer) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = null;
      this.connection?.post({ op: 'ack', seq: this.state.get().cursor });
    }, now ? 0 : 20);
  }

  private async loadStrangers(numbers: number[]) {
    const s = this.state.get();
    const unknown = [...new Set(numbers)].filter((n) => !s.friends[n] && !s.profiles[n] && n !== s.me?.number);
    for (const n of unknown) {
      try {
        const p = await this.api.user(n);
        this.state.update((x) => ({ ...x, profiles: { ...x.profiles, [n]: p } }));
      } catch { /* shown by number */ }
    }
  }

  // ---- messaging ----

  /** Queues a message and sends it now if connected, else when the connection is back. */
  send(to: number, text: string, file?: SentFile): Pending {
    const pending: Pending = { clientId: newClientId(), to, text, createdAt: new Date().toISOString() };
    if (file) { pending.fileId = file.id; pending.fileName = file.name; if (file.durationMs !== undefined) pending.durationMs = file.durationMs; }
    this.state.update((s) => ({ ...s, outbox: [...s.outbox, pending] }));
    this.saveOutbox();
    this.sendOne(pending);
    this.typing(to, false);
    return pending;
  }

  retry(clientId: string) {
    const p = this.state.get().outbox.find((x) => x.clientId === clientId);
    if (!p) return;
    const again = { ...p, failed: undefined };
    this.state.update((s) => ({ ...s, outbox: s.outbox.map((x) => (x.clientId === clientId ? again : x)) }));
    this.saveOutbox();
    this.sendOne(again);
  }

  discard(clientId: string) {
    this.state.update((s) => ({ ...s, outbox: s.outbox.filter((x) => x.clientId !== clientId) }));
    this.saveOutbox();
  }

  private flushOutbox() {
    for (const p of this.state.get().outbox) if (!p.failed) this.sendOne(p);
  }

  private sendOne(p: Pending) {
    if (!this.connection?.isAuthenticated || this.inFlight.has(p.clientId)) return;
    this.inFlight.add(p.clientId);
    const frame: { op: string; [k: string]: unknown } = { op: 'msg.send', to: p.to, clientId: p.clientId };
    if (p.text || !p.fileId) frame.text = p.text;
    if (p.fileId) frame.fileId = p.fileId;
    if (p.fileId && p.durationMs !== undefined) frame.durationMs = p.durationMs;
    this.connection.request(frame).then(
      (reply) => {
        this.inFlight.delete(p.clientId);
        if (reply.type === 'msg.sent') this.confirm(reply.message);
      },
      (e: unknown) => {
        this.inFlight.delete(p.clientId);
        if (!(e instanceof RequestError) || e.code === 'disconnected') return; // sent again after reconnecting
        if (e.code === 'rate_limited') { setTimeout(() => this.sendOne(p), 1000); return; }
        this.state.update((s) => ({
          ...s, outbox: s.outbox.map((x) => (x.clientId === p.clientId ? { ...x, failed: { code: e.code, message: e.message, messageZh: e.messageZh } } : x)),
        }));
        this.saveOutbox();
      },
    );
  }

  private confirm(m: Message) {
    this.state.update((s) => applyMessage(s, m));
    this.saveOutbox();
  }

  recall(id: number) { return this.connection?.request({ op: 'msg.recall', messageId: id }) ?? notConnected(); }
  deleteForMe(id: number) { return this.connection?.request({ op: 'msg.delete', messageId: id }) ?? notConnected(); }

  /** Marks the conversation read up to its newest message (once per seq). */
  markRead(peer: number) {
    const c = this.state.get().conversations[peer];
    if (!c || c.readSeq >= c.lastSeq || this.readSent.get(peer) === c.lastSeq) return;
    this.readSent.set(peer, c.lastSeq);
    this.connection?.request({ op: 'msg.read', peer, seq: c.lastSeq }).catch(() => this.readSent.delete(peer));
  }

  /** Typing on: sent at most every 5 s while it goes on; off once. */
  typing(peer: number, active: boolean) {
    const last = this.typingSent.get(peer);
    if (active) {
      if (last && Date.now() - last < 5000) return;
      this.typingSent.set(peer, Date.now());
    } else {
      if (!last) return;
      this.typingSent.delete(peer);
    }
    this.connection?.post({ op: 'typing', to: peer, active });
  }

  async setStatus(status: PresenceStatus) {
    this.storage.setItem(STATUS_KEY, status);
    this.state.update((s) => ({ ...s })); // re-render the selector
    await this.connection?.request({ op: 'presence.set', status });
  }

  async loadHistory(peer: number, older: boolean) {
    const h = this.state.get().histories[peer];
    if (older && (!h?.loaded || !h.more)) return;
    if (!older && h?.loaded) return;
    if (this.historyLoads.has(peer)) return;
    this.historyLoads.add(peer);
    try {
      const before = older ? h!.items[0]?.seq : undefined;
      const page = await this.api.history(peer, before, 50);
      this.state.update((s) => applyHistoryPage(s, peer, page.messages, page.more, older));
    } finally {
      this.historyLoads.delete(peer);
    }
  }

  // ---- groups (§11) ----

  /** Queues a group message and sends it now if connected (again after a reconnect, same client id). */
  sendGroup(groupId: number, text: string, mentions: number[] = [], mentionAll = false, file?: SentFile): GroupPending {
    const p: GroupPending = { clientId: newClientId(), groupId, text, mentions, mentionAll, createdAt: new Date().toISOString() };
    if (file) { p.fileId = file.id; p.fileName = file.name; if (file.durationMs !== undefined) p.durationMs = file.durationMs; }
    this.state.update((s) => ({ ...s, chat: { ...s.chat, outbox: [...s.chat.outbox, p] } }));
    this.sendGroupOne(p);
    return p;
  }

  retryGroup(clientId: string) {
    const p = this.state.get().chat.outbox.find((x) => x.clientId === clientId);
    if (!p) return;
    const again = { ...p, failed: undefined };
    this.updateGroupOutbox((o) => o.map((x) => (x.clientId === clientId ? again : x)));
    this.sendGroupOne(again);
  }

  discardGroup(clientId: string) { this.updateGroupOutbox((o) => o.filter((x) => x.clientId !== clientId)); }

  private updateGroupOutbox(f: (o: GroupPending[]) => GroupPending[]) {
    this.state.update((s) => ({ ...s, chat: { ...s.chat, outbox: f(s.chat.outbox) } }));
  }

  private sendGroupOne(p: GroupPending) {
    if (!this.connection?.isAuthenticated || this.inFlight.has(p.clientId)) return;
    this.inFlight.add(p.clientId);
    const frame: Record<string, unknown> = { op: 'group.send', groupId: p.groupId, clientId: p.clientId };
    // With a file the text is an optional caption (§10.6).
    if (p.text || !p.fileId) frame.text = p.text;
    if (p.fileId) frame.fileId = p.fileId;
    if (p.fileId && p.durationMs !== undefined) frame.durationMs = p.durationMs;
    if (p.mentions.length) frame.mentions = p.mentions;
    if (p.mentionAll) frame.mentionAll = true;
    this.connection.request(frame as { op: string }).then(
      (reply) => {
        this.inFlight.delete(p.clientId);
        if (reply.type === 'group.sent') this.state.update((s) => ({ ...s, chat: applyGroupMessage(s.chat, reply.message, s.me?.number ?? 0) }));
      },
      (e: unknown) => {
        this.inFlight.delete(p.clientId);
        if (!(e instanceof RequestError) || e.code === 'disconnected') return;
        if (e.code === 'rate_limited') { setTimeout(() => this.sendGroupOne(p), 1000); return; }
        this.updateGroupOutbox((o) => o.map((x) => (x.clientId === p.clientId ? { ...x, failed: { code: e.code, message: e.message, messageZh: e.messageZh } } : x)));
      },
    );
  }

  recallGroup(groupId: number, messageId: number) {
    return this.connection?.request({ op: 'group.recall', groupId, messageId }) ?? notConnected();
  }

  /** Marks the group read up to its newest message (once per seq). */
  markGroupRead(groupId: number) {
    const g = this.state.get().chat.groups[groupId];
    if (!g || g.readSeq >= g.lastSeq || this.groupReadSent.get(groupId) === g.lastSeq) return;
    this.groupReadSent.set(groupId, g.lastSeq);
    this.connection?.request({ op: 'group.read', groupId, seq: g.lastSeq }).catch(() => this.groupReadSent.delete(groupId));
  }

  /** The newest page when a group opens; older pages when scrolling back. */
  async loadGroupHistory(groupId: number, older: boolean) {
    const h = this.state.get().chat.histories[groupId];
    if (older && (!h?.loaded || !h.more)) return;
    if (!older && h?.loaded) return;
    if (this.groupLoads.has(groupId)) return;
    this.groupLoads.add(groupId);
    try {
      const before = older ? h!.items[0]?.seq : undefined;
      const page = await this.api.groupHistory(groupId, { before, limit: 50 });
      this.state.update((s) => ({ ...s, chat: applyGroupPage(s.chat, groupId, page.messages, page.more, older, s.me?.number ?? 0) }));
    } finally {
      this.groupLoads.delete(groupId);
    }
    this.flushGroupOutbox(groupId);
  }

  /** After being offline: the group list again, then every message after what this page holds (§11 catch-up). */
  async catchUpGroups() {
    try {
      const { groups } = await this.api.myGroups();
      this.state.update((s) => ({ ...s, chat: applyGroupList(s.chat, groups) }));
    } catch { return; }
    for (const id of Object.keys(this.state.get().chat.histories).map(Number)) await this.catchUpGroup(id);
    this.flushGroupOutbox();
  }

  private async catchUpGroup(groupId: number) {
    // From the first gap, then page by page from each page's end (a seq the server never returns cannot hold it up).
    let after: number | null = null;
    for (let guard = 0; guard < 1000; guard++) {
      const s = this.state.get().chat;
      const h = s.histories[groupId];
      const g = s.groups[groupId];
      if (!h?.loaded || !g) return;
      after ??= heldSeq(h.items, g.joinedSeq);
      if (after >= g.lastSeq) return;
      let page;
      try { page = await this.api.groupHistory(groupId, { after, limit: 100 }); } catch { return; }
      this.state.update((x) => ({ ...x, chat: applyGroupPage(x.chat, groupId, page.messages, h.more, false, x.me?.number ?? 0) }));
      if (!page.more || page.messages.length === 0) return;
      after = page.messages[page.messages.length - 1].seq;
    }
  }

  private flushGroupOutbox(groupId?: number) {
    for (const p of this.state.get().chat.outbox) if (!p.failed && (groupId === undefined || p.groupId === groupId)) this.sendGroupOne(p);
  }

  async loadGroupMembers(groupId: number) {
    const { members } = await this.api.groupMembers(groupId);
    this.state.update((s) => ({ ...s, chat: { ...s.chat, members: { ...s.chat.members, [groupId]: members } } }));
    await this.loadStrangers(members.map((m) => m.number));
  }

  /** Join requests to the groups this user administers. */
  async loadGroupRequests() {
    const admin = Object.values(this.state.get().chat.groups).filter((g) => g.role !== 'member');
    // A group whose list could not be fetched keeps what the page holds for it.
    const all = await Promise.all(admin.map((g) => this.api.groupRequests(g.group.id).then((r) => ({ id: g.group.id, list: r.requests }), () => null)));
    const loaded = all.filter((x) => x !== null);
    const fresh = new Set(loaded.map((x) => x.id));
    this.state.update((s) => ({
      ...s,
      chat: {
        ...s.chat,
        requests: Object.fromEntries([
          ...Object.values(s.chat.requests).filter((r) => !fresh.has(r.groupId)),
          ...loaded.flatMap((x) => x.list),
        ].map((r) => [r.id, r])),
      },
    }));
    await this.loadStrangers(loaded.flatMap((x) => x.list.map((r) => r.from)));
  }

  dropGroupRequest(id: number) {
    this.state.update((s) => {
      const requests = { ...s.chat.requests };
      delete requests[id];
      return { ...s, chat: { ...s.chat, requests } };
    });
  }

  /** Creates a group; the creator gets `group.joined` too, applied the same way. */
  async createGroup(name: string, joinPolicy: 'open' | 'approval' | 'invite') {
    const g = await this.api.createChatGroup(name, joinPolicy);
    this.state.update((s) => ({ ...s, chat: applySummary(s.chat, g) }));
    return g;
  }

  /** Joins by number: joined at once (open group), or a request an admin approves (pending). */
  async joinGroup(id: number, message?: string) {
    const r = await this.api.joinGroup(id, message);
    if (r.state === 'joined') this.state.update((s) => ({ ...s, chat: applySummary(s.chat, r.group) }));
    else this.state.update((s) => ({ ...s, chat: { ...s.chat, joins: { ...s.chat.joins, [id]: 'pending' } } }));
    return r.state;
  }

  // ---- chat rooms (§12) ----

  private updateRoom(id: number, f: (r: RoomView) => RoomView) {
    const r = this.rooms.get()[id];
    if (r) this.rooms.set({ ...this.rooms.get(), [id]: f(r) });
  }

  async enterRoom(id: number) {
    const reply = await (this.connection?.request({ op: 'room.enter', roomId: id }) ?? notConnected());
    if (reply.type !== 'room.entered') return;
    this.rooms.set({ ...this.rooms.get(), [id]: { room: reply.room, people: reply.people, messages: reply.recent } });
    await this.loadStrangers([...reply.people, ...reply.recent.map((m) => m.from)]);
  }

  async leaveRoom(id: number) {
    const next = { ...this.rooms.get() };
    const inside = next[id] && !next[id].out;
    delete next[id];
    this.rooms.set(next);
    if (inside) await this.connection?.request({ op: 'room.leave', roomId: id }).catch(() => {});
  }

  async sendRoom(id: number, text: string) {
    const reply = await (this.connection?.request({ op: 'room.send', roomId: id, text }) ?? notConnected());
    if (reply.type === 'room.sent') this.updateRoom(id, (r) => ({ ...r, messages: [...r.messages, reply.message].slice(-200) }));
  }

  // ---- friends ----

  async refreshRequests() {
    const r = await this.api.friendRequests();
    this.state.update((s) => ({ ...s, requests: Object.fromEntries([...r.incoming, ...r.outgoing].map((x) => [x.id, x])) }));
  }

  private saveOutbox() {
    const number = this.session.get()?.number;
    if (number) this.storage.setItem(outboxKey(number), JSON.stringify(this.state.get().outbox));
  }

  private read<T>(key: string): T | null {
    try {
      const raw = this.storage.getItem(key);
      return raw ? (JSON.parse(raw) as T) : null;
    } catch {
      return null;
    }
  }
}

function notConnected(): Promise<never> {
  return Promise.reject(new RequestError('disconnected', 'Not connected.', '未连接。'));
}

function deviceName(): string {
  const ua = typeof navigator === 'undefined' ? '' : navigator.userAgent;
  const browser = /Edg\//.test(ua) ? 'Edge' : /Chrom/.test(ua) ? 'Chrome' : /Firefox/.test(ua) ? 'Firefox' : /Safari/.test(ua) ? 'Safari' : 'Browser';
  return `${browser} (web)`;
}
