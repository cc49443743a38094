import type {
  DurableEvent, GroupInfo, GroupJoinRequest, GroupLeaveReason, GroupMember, GroupMessage, GroupSummary,
} from './protocol';

/** A group message typed here and not yet confirmed by `group.sent` or its own `group.message`. */
export interface GroupPending {
  clientId: string;
  groupId: number;
  text: string;
  mentions: number[];
  mentionAll: boolean;
  createdAt: string;
  /** A stored file carried by the message (§10.6), its name to show meanwhile, a voice clip's length. */
  fileId?: string;
  fileName?: string;
  durationMs?: number;
  failed?: { code: string; message: string; messageZh: string };
}

export interface GroupHistory { items: GroupMessage[]; more: boolean; loaded: boolean }

export interface GroupState {
  /** The user's groups by number, with the server's lastSeq/readSeq/unread (§11 "Unread = lastSeq − readSeq"). */
  groups: Record<number, GroupSummary>;
  histories: Record<number, GroupHistory>;
  /** The newest message seen per group (list previews). */
  last: Record<number, GroupMessage>;
  /** The newest message seq that mentioned the user, per group. */
  mentioned: Record<number, number>;
  /** Join requests to groups the user administers, by request id. */
  requests: Record<number, GroupJoinRequest>;
  /** Groups the user asked to join and awaits (pending) or was refused. */
  joins: Record<number, 'pending' | 'refused'>;
  invitations: Record<number, { group: GroupInfo; by: number }>;
  /** Why the user is no longer in a group (shown if its window is open). */
  left: Record<number, GroupLeaveReason>;
  members: Record<number, GroupMember[]>;
  outbox: GroupPending[];
}

export const emptyGroupState = (): GroupState => ({
  groups: {}, histories: {}, last: {}, mentioned: {}, requests: {}, joins: {}, invitations: {}, left: {}, members: {}, outbox: [],
});

const max = Math.max;

type GroupEvent = Extract<DurableEvent, { type: `group.${string}` }>;
export function isGroupEvent(e: DurableEvent): e is GroupEvent { return e.type.startsWith('group.'); }

function withSummary(s: GroupState, g: GroupSummary): GroupState {
  return { ...s, groups: { ...s.groups, [g.group.id]: { ...g, unread: max(0, g.lastSeq - g.readSeq) } } };
}

/** Inserts or replaces group messages by seq (a group's seq is unique), oldest first. */
export function mergeGroupMessages(items: GroupMessage[], incoming: GroupMessage[]): GroupMessage[] {
  if (incoming.length === 0) return items;
  const newest = items[items.length - 1];
  if (incoming.length === 1 && (!newest || incoming[0].seq > newest.seq)) return [...items, incoming[0]];
  const bySeq = new Map(items.map((m) => [m.seq, m]));
  for (const m of incoming) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** A summary from REST or `group.joined`: server numbers win, but cursors never move back. */
export function applySummary(s: GroupState, g: GroupSummary): GroupState {
  const old = s.groups[g.group.id];
  const next = old ? { ...g, lastSeq: max(g.lastSeq, old.lastSeq), readSeq: max(g.readSeq, old.readSeq) } : g;
  const left = { ...s.left };
  delete left[g.group.id];
  const joins = { ...s.joins };
  delete joins[g.group.id];
  const invitations = { ...s.invitations };
  delete invitations[g.group.id];
  return withSummary({ ...s, left, joins, invitations }, next);
}

/** The whole list from `GET /groups`: groups missing from it are no longer the user's. */
export function applyGroupList(s: GroupState, list: GroupSummary[]): GroupState {
  const keep = new Set(list.map((g) => g.group.id));
  const groups = Object.fromEntries(Object.entries(s.groups).filter(([id]) => keep.has(Number(id))));
  let next: GroupState = { ...s, groups };
  for (const g of list) next = applySummary(next, g);
  return next;
}

/** A live or confirmed group message (`group.message`, `group.sent`, a history page's newest). */
export function applyGroupMessage(s: GroupState, m: GroupMessage, me: number): GroupState {
  let next = s;
  const g = next.groups[m.groupId];
  if (g) {
    // Sending reads the group up to the message (§11).
    const readSeq = m.from === me ? max(g.readSeq, m.seq) : g.readSeq;
    next = withSummary(next, { ...g, lastSeq: max(g.lastSeq, m.seq), readSeq });
  }
  const h = next.histories[m.groupId];
  if (h) next = { ...next, histories: { ...next.histories, [m.groupId]: { ...h, items: mergeGroupMessages(h.items, [m]) } } };
  const last = next.last[m.groupId];
  if (!last || last.seq <= m.seq) next = { ...next, last: { ...next.last, [m.groupId]: m } };
  if (m.from === me) next = { ...next, outbox: next.outbox.filter((p) => !(p.groupId === m.groupId && p.clientId === m.clientId)) };
  return next;
}

export function applyGroupRecall(s: GroupState, groupId: number, messageSeq: number): GroupState {
  const recall = (m: GroupMessage): GroupMessage => (m.seq === messageSeq ? { ...m, recalled: true, text: undefined } : m);
  let next = s;
  const h = next.histories[groupId];
  if (h) next = { ...next, histories: { ...next.histories, [groupId]: { ...h, items: h.items.map(recall) } } };
  const last = next.last[groupId];
  if (last?.seq === messageSeq) next = { ...next, last: { ...next.last, [groupId]: recall(last) } };
  return next;
}

/**
 * The seq up to which a group's loaded messages run without a gap: where catching up starts (§11). Live
 * `group.message` frames can arrive out of seq order (members sending at once, on different nodes), so the newest
 * held seq is not it: a connection lost between two such frames would skip the one that had not arrived.
 */
export function heldSeq(items: { seq: number }[], fallback: number): number {
  if (items.length === 0) return fallback;
  let end = items[0].seq;
  for (let i = 1; i < items.length && items[i].seq === end + 1; i++) end = items[i].seq;
  return end;
}

export function applyGroupPage(s: GroupState, groupId: number, messages: GroupMessage[], more: boolean, older: boolean, me: number): GroupState {
  const h = s.histories[groupId] ?? { items: [], more: true, loaded: false };
  let next: GroupState = {
    ...s,
    histories: {
      ...s.histories,
      [groupId]: { items: mergeGroupMessages(h.items, messages), more: older || !h.loaded ? more : h.more, loaded: true },
    },
  };
  const newest = messages[messages.length - 1];
  if (newest) {
    const g = next.groups[groupId];
    if (g) next = withSummary(next, { ...g, lastSeq: max(g.lastSeq, newest.seq) });
    const last = next.last[groupId];
    if (!last || last.seq <= newest.seq) next = { ...next, last: { ...next.last, [groupId]: newest } };
    const mine = new Set(messages.filter((m) => m.from === me).map((m) => m.clientId));
    if (mine.size) next = { ...next, outbox: next.outbox.filter((p) => !(p.groupId === groupId && mine.has(p.clientId))) };
  }
  return next;
}

function forget(s: GroupState, groupId: number, reason: GroupLeaveReason): GroupState {
  const drop = <T,>(r: Record<number, T>) => Object.fromEntries(Object.entries(r).filter(([id]) => Number(id) !== groupId)) as Record<number, T>;
  return {
    ...s,
    groups: drop(s.groups), histories: drop(s.histories), last: drop(s.last), mentioned: drop(s.mentioned), members: drop(s.members),
    requests: Object.fromEntries(Object.entries(s.requests).filter(([, r]) => r.groupId !== groupId)),
    outbox: s.outbox.filter((p) => p.groupId !== groupId),
    left: { ...s.left, [groupId]: reason },
  };
}

/** Applies one durable group event (§11): each carries the resulting state, so applying it twice changes nothing. */
export function applyGroupEvent(s: GroupState, e: GroupEvent, me: number): GroupState {
  switch (e.type) {
    case 'group.joined':
      return applySummary(s, e.group);
    case 'group.left':
      return forget(s, e.groupId, e.reason);
    case 'group.updated': {
      const g = s.groups[e.group.id];
      return g ? withSummary(s, { ...g, group: e.group }) : s;
    }
    case 'group.membership': {
      let next = s;
      const g = next.groups[e.groupId];
      if (g && e.member.number === me) next = withSummary(next, { ...g, role: e.member.role, card: e.member.card, notify: e.notify });
      const members = next.members[e.groupId];
      if (members) {
        next = { ...next, members: { ...next.members, [e.groupId]: members.map((m) => (m.number === e.member.number ? e.member : m)) } };
      }
      return next;
    }
    case 'group.mentioned':
      return { ...s, mentioned: { ...s.mentioned, [e.groupId]: max(s.mentioned[e.groupId] ?? 0, e.messageSeq) } };
    case 'group.read': {
      const g = s.groups[e.groupId];
      return g ? withSummary(s, { ...g, readSeq: max(g.readSeq, e.readSeq) }) : s;
    }
    case 'group.request':
      return { ...s, requests: { ...s.requests, [e.request.id]: e.request } };
    case 'group.request.refused':
      return { ...s, joins: { ...s.joins, [e.groupId]: 'refused' } };
    case 'group.request.handled': {
      // Answered by an admin (maybe another one, maybe on another device): it leaves this inbox too.
      const requests = { ...s.requests };
      delete requests[e.requestId];
      return { ...s, requests };
    }
    case 'group.invited':
      return s.groups[e.group.id] ? s : { ...s, invitations: { ...s.invitations, [e.group.id]: { group: e.group, by: e.by } } };
  }
  return s;
}

/** The user's groups, most recently active first. */
export function groupList(s: GroupState): GroupSummary[] {
  const at = (g: GroupSummary) => Date.parse(s.last[g.group.id]?.sentAt ?? g.group.createdAt);
  return Object.values(s.groups).sort((a, b) => at(b) - at(a) || b.group.id - a.group.id);
}

export const isAdmin = (g: GroupSummary | undefined) => g?.role === 'owner' || g?.role === 'admin';

/** A member acts on another: the owner on anyone else, an admin on plain members (§11 Roles). */
export function canManage(actor: GroupSummary | undefined, target: GroupMember, me: number): boolean {
  if (!actor || target.number === me || target.role === 'owner') return false;
  if (actor.role === 'owner') return true;
  return actor.role === 'admin' && target.role === 'member';
}

/**
 * The @mention being typed at the caret: the text after the last "@" before it, when that "@" starts the
 * text or follows a space, and no space is typed since. Null when the caret is not in a mention.
 */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const at = before.lastIndexOf('@');
  if (at < 0) return null;
  if (at > 0 && !/\s/.test(before[at - 1])) return null;
  const query = before.slice(at + 1);
  if (/\s/.test(query) || query.length > 30) return null;
  return { start: at, query };
}

/** The members whose name (card, nickname) or number matches what follows "@". */
export function mentionCandidates<T extends { number: number; name: string }>(members: T[], query: string, me: number, limit = 8): T[] {
  const q = query.toLowerCase();
  return members
    .filter((m) => m.number !== me && (m.name.toLowerCase().includes(q) || String(m.number).startsWith(q)))
    .slice(0, limit);
}

/**
 * Which of the chosen mentions survive in the final text ("@Name " still there), so deleting the text of a
 * mention also drops it; `@all` only when the text still says it.
 */
export function finalMentions(text: string, chosen: { number: number; name: string }[], allLabel: string | null): { mentions: number[]; mentionAll: boolean } {
  const mentions = [...new Set(chosen.filter((c) => text.includes(`@${c.name}`)).map((c) => c.number))];
  return { mentions, mentionAll: allLabel !== null && text.includes(`@${allLabel}`) };
}
