import type {
  AccountSettings, BuddyGroup, Conversation, DurableEvent, Friend, FriendRequest, Message, Profile,
  UserPresence,
} from './protocol';
import { applyGroupEvent, emptyGroupState, isGroupEvent, type GroupState } from './groups';
import { statusRank } from './protocol';

/** A message typed here and not yet confirmed stored (no msg.sent and no own `message` event yet). */
export interface Pending {
  clientId: string;
  to: number;
  text: string;
  createdAt: string;
  /** A stored file sent with the message (§10.3), and its name to show meanwhile. */
  fileId?: string;
  fileName?: string;
  durationMs?: number;
  failed?: { code: string; message: string; messageZh: string };
}

export interface History { items: Message[]; more: boolean; loaded: boolean }

export type Connectivity = 'connecting' | 'online' | 'reconnecting' | 'ended';

export interface ChatState {
  me: Profile | null;
  settings: AccountSettings | null;
  cursor: number;
  groups: BuddyGroup[];
  friends: Record<number, Friend>;
  presence: Record<number, UserPresence>;
  requests: Record<number, FriendRequest>;
  blocked: number[];
  conversations: Record<number, Conversation>;
  histories: Record<number, History>;
  outbox: Pending[];
  typing: Record<number, number>;
  profiles: Record<number, Profile>;
  connectivity: Connectivity;
  /** Groups (群, §11): the user's groups, their loaded history, join requests, unsent group messages. */
  chat: GroupState;
}

export const emptyState = (): ChatState => ({
  me: null, settings: null, cursor: 0, groups: [], friends: {}, presence: {}, requests: {}, blocked: [],
  conversations: {}, histories: {}, outbox: [], typing: {}, profiles: {}, connectivity: 'connecting',
  chat: emptyGroupState(),
});

const max = Math.max;

/** Inserts or replaces messages by id, keeping the list ordered by conversation seq. */
export function mergeMessages(items: Message[], incoming: Message[]): Message[] {
  if (incoming.length === 0) return items;
  // The common case, a new message after the newest: append without re-sorting a long history.
  const newest = items[items.length - 1];
  if (incoming.length === 1 && (!newest || incoming[0].seq > newest.seq)) return [...items, incoming[0]];
  const byId = new Map(items.map((m) => [m.id, m]));
  for (const m of incoming) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

function conversationOf(state: ChatState, peer: number, sentAt: string): Conversation {
  return state.conversations[peer] ?? {
    peer, lastSeq: 0, readSeq: 0, unread: 0, peerDeliveredSeq: 0, peerReadSeq: 0, updatedAt: sentAt,
  };
}

function withConversation(state: ChatState, c: Conversation): ChatState {
  const unread = max(0, c.lastSeq - c.readSeq);
  return { ...state, conversations: { ...state.conversations, [c.peer]: { ...c, unread } } };
}

function withHistory(state: ChatState, peer: number, update: (h: History) => History): ChatState {
  const current = state.histories[peer] ?? { items: [], more: true, loaded: false };
  return { ...state, histories: { ...state.histories, [peer]: update(current) } };
}

/** A message confirmed by msg.sent: the same as its own `message` event, without moving the cursor. */
export function applyMessage(state: ChatState, m: Message): ChatState {
  const mine = m.from === state.me?.number;
  const peer = mine ? m.to : m.from;
  const c = conversationOf(state, peer, m.sentAt);
  const next: Conversation = { ...c, lastSeq: max(c.lastSeq, m.seq) };
  if (mine) {
    next.readSeq = max(c.readSeq, m.seq);
  } else {
    // A message from the peer says they have read (and received) everything before it.
    next.peerDeliveredSeq = max(c.peerDeliveredSeq, m.seq);
    next.peerReadSeq = max(c.peerReadSeq, m.seq);
  }
  if (!c.last || c.last.seq <= m.seq) {
    next.last = m;
    next.updatedAt = m.sentAt;
  }
  let s = withConversation(state, next);
  s = withHistory(s, peer, (h) => ({ ...h, items: mergeMessages(h.items, [m]) }));
  if (mine) s = { ...s, outbox: s.outbox.filter((p) => p.clientId !== m.clientId) };
  if (!mine && s.typing[peer]) {
    const typing = { ...s.typing };
    delete typing[peer];
    s = { ...s, typing };
  }
  return s;
}

function mapMessage(state: ChatState, peer: number, id: number, f: (m: Message) => Message | null): ChatState {
  let s = state;
  const h = s.histories[peer];
  if (h) {
    const items = h.items.flatMap((m) => {
      if (m.id !== id) return [m];
      const r = f(m);
      return r ? [r] : [];
    });
    s = { ...s, histories: { ...s.histories, [peer]: { ...h, items } } };
  }
  const c = s.conversations[peer];
  if (c?.last?.id === id) {
    const replaced = f(c.last);
    const items = s.histories[peer]?.items ?? [];
    const last = replaced ?? items[items.length - 1];
    s = withConversation(s, { ...c, last });
  }
  return s;
}

/**
 * Applies one durable event (docs/protocol.md §2-3). Events carry the resulting state, so applying one
 * twice, or on top of a REST snapshot that already holds it, changes nothing.
 */
export function applyEvent(state: ChatState, e: DurableEvent): ChatState {
  let s = state;
  if (isGroupEvent(e)) s = { ...s, chat: applyGroupEvent(s.chat, e, s.me?.number ?? 0) };
  switch (e.type) {
    case 'friend.request':
      s = { ...s, requests: { ...s.requests, [e.request.id]: e.request } };
      break;
    case 'friend.request.declined': {
      const r = s.requests[e.requestId];
      if (r) s = { ...s, requests: { ...s.requests, [r.id]: { ...r, state: 'declined' } } };
      break;
    }
    case 'friend.added': {
      const number = e.profile.number;
      const presence = s.presence[number] ?? { number, status: 'offline', devices: [] };
      const friend: Friend = { profile: e.profile, groupId: e.groupId, remark: e.remark, presence };
      const requests = Object.fromEntries(Object.entries(s.requests).map(([id, r]) =>
        [id, r.state === 'pending' && (r.from.number === number || r.to.number === number) ? { ...r, state: 'accepted' as const } : r]));
      s = { ...s, friends: { ...s.friends, [number]: friend }, requests };
      break;
    }
    case 'friend.removed': {
      const friends = { ...s.friends };
      delete friends[e.number];
      s = { ...s, friends };
      break;
    }
    case 'friend.updated': {
      const f = s.friends[e.number];
      if (f) s = { ...s, friends: { ...s.friends, [e.number]: { ...f, groupId: e.groupId, remark: e.remark } } };
      break;
    }
    case 'buddygroups.changed':
      s = { ...s, groups: e.groups };
      break;
    case 'profile.updated': {
      const p = e.profile;
      if (p.number === s.me?.number) s = { ...s, me: p };
      const f = s.friends[p.number];
      if (f) s = { ...s, friends: { ...s.friends, [p.number]: { ...f, profile: p } } };
      break;
    }
    case 'settings.updated':
      s = { ...s, settings: e.settings };
      break;
    case 'blocks.changed':
      s = { ...s, blocked: e.blocked };
      break;
    case 'message':
      s = applyMessage(s, e.message);
      break;
    case 'message.receipt': {
      const c = s.conversations[e.peer];
      if (c) s = withConversation(s, {
        ...c, peerDeliveredSeq: max(c.peerDeliveredSeq, e.deliveredSeq), peerReadSeq: max(c.peerReadSeq, e.readSeq),
      });
      break;
    }
    case 'conversation.read': {
      const c = s.conversations[e.peer];
      if (c) s = withConversation(s, { ...c, readSeq: max(c.readSeq, e.readSeq) });
      break;
    }
    case 'message.recalled':
      s = mapMessage(s, e.peer, e.id, (m) => ({ ...m, recalled: true, text: undefined }));
      break;
    case 'message.deleted':
      s = mapMessage(s, e.peer, e.id, () => null);
      break;
  }
  return { ...s, cursor: max(s.cursor, e.seq) };
}

/** Applies a REST conversation list: server numbers win, cursors never move back. */
export function applyConversations(state: ChatState, list: Conversation[]): ChatState {
  const conversations = { ...state.conversations };
  for (const c of list) {
    const old = conversations[c.peer];
    conversations[c.peer] = old ? {
      ...c,
      lastSeq: max(c.lastSeq, old.lastSeq), readSeq: max(c.readSeq, old.readSeq),
      peerDeliveredSeq: max(c.peerDeliveredSeq, old.peerDeliveredSeq), peerReadSeq: max(c.peerReadSeq, old.peerReadSeq),
      last: old.last && c.last && old.last.seq > c.last.seq ? old.last : c.last,
    } : c;
    const x = conversations[c.peer];
    x.unread = max(0, x.lastSeq - x.readSeq);
  }
  return { ...state, conversations };
}

export function applyHistoryPage(state: ChatState, peer: number, messages: Message[], more: boolean, older: boolean): ChatState {
  return withHistory(state, peer, (h) => ({
    items: mergeMessages(h.items, messages),
    // Only a page of older messages tells whether still older ones exist; the newest page says so at first load.
    more: older || !h.loaded ? more : h.more,
    loaded: true,
  }));
}

export type MessageState = 'sending' | 'failed' | 'sent' | 'delivered' | 'read';

/** sent → delivered → read for the user's own message, from the conversation's peer cursors. */
export function messageState(c: Conversation | undefined, m: Message): MessageState {
  if (!c) return 'sent';
  if (m.seq <= c.peerReadSeq) return 'read';
  if (m.seq <= c.peerDeliveredSeq) return 'delivered';
  return 'sent';
}

export function totalUnread(state: ChatState): number {
  return Object.values(state.conversations).reduce((n, c) => n + c.unread, 0);
}

/** Unread group messages of the groups that notify (a silent or blocked group does not count). */
export function totalGroupUnread(state: ChatState): number {
  return Object.values(state.chat.groups).reduce((n, g) => n + (g.notify === 'notify' ? g.unread : 0), 0);
}

export function presenceOf(state: ChatState, number: number): UserPresence {
  return state.presence[number] ?? state.friends[number]?.presence ?? { number, status: 'offline', devices: [] };
}

export function displayName(state: ChatState, number: number): string {
  const f = state.friends[number];
  if (f) return f.remark || f.profile.nickname;
  if (number === state.me?.number) return state.me.nickname;
  return state.profiles[number]?.nickname ?? String(number);
}

export interface GroupView { group: BuddyGroup; friends: Friend[]; online: number }

/** The buddy list by group in display order; in each group online friends first (most available), then by name. */
export function buddyGroups(state: ChatState): GroupView[] {
  const groups = [...state.groups].sort((a, b) => (a.isDefault === b.isDefault ? a.position - b.position : a.isDefault ? -1 : 1));
  const defaultId = groups.find((g) => g.isDefault)?.id;
  return groups.map((group) => {
    const friends = Object.values(state.friends)
      .filter((f) => f.groupId === group.id || (group.id === defaultId && !groups.some((g) => g.id === f.groupId)))
      .sort((a, b) => {
        const ra = statusRank[presenceOf(state, a.profile.number).status];
        const rb = statusRank[presenceOf(state, b.profile.number).status];
        if (ra !== rb) return rb - ra;
        return displayName(state, a.profile.number).localeCompare(displayName(state, b.profile.number)) || a.profile.number - b.profile.number;
      });
    const online = friends.filter((f) => presenceOf(state, f.profile.number).status !== 'offline').length;
    return { group, friends, online };
  });
}

/** Conversations, most recently active first. */
export function conversationList(state: ChatState): Conversation[] {
  return Object.values(state.conversations)
    .sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt) || b.peer - a.peer);
}
