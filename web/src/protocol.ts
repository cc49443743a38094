// Types of docs/protocol.md (version 1). Absent means null: optional fields may be missing.

export type PresenceStatus = 'offline' | 'invisible' | 'dnd' | 'busy' | 'away' | 'online';
export type DeviceKind = 'pc' | 'mobile' | 'web';
export type Gender = 'unknown' | 'male' | 'female';

export interface Region { province?: string | null; city?: string | null }
export interface Profile {
  number: number; nickname: string; avatar: string; signature?: string;
  gender?: Gender; birthday?: string; region?: Region;
}
export interface AccountSettings {
  addPolicy: 'anyone' | 'verify' | 'nobody'; showSignature: boolean; showGender: boolean;
  showBirthday: boolean; showRegion: boolean; allowStrangerMessages: boolean;
}
export interface UserPresence { number: number; status: PresenceStatus; devices: DeviceKind[] }
export interface BuddyGroup { id: number; name: string; position: number; isDefault: boolean }
export interface Friend { profile: Profile; groupId: number; remark?: string; presence: UserPresence }
export interface BuddyList { groups: BuddyGroup[]; friends: Friend[] }
export interface FriendRequest {
  id: number; from: Profile; to: Profile; message: string;
  state: 'pending' | 'accepted' | 'declined'; createdAt: string;
}
export interface DeviceSession {
  id: number; device: DeviceKind; deviceName?: string; createdAt: string; lastSeenAt: string; current: boolean;
}
export interface Message {
  id: number; from: number; to: number; seq: number; clientId: string; sentAt: string;
  text?: string; recalled: boolean;
}
export interface Conversation {
  peer: number; lastSeq: number; readSeq: number; unread: number;
  peerDeliveredSeq: number; peerReadSeq: number; updatedAt: string; last?: Message;
}
export interface MessagePage { messages: Message[]; more: boolean }
export interface ErrorBody { code: string; message: string; messageZh: string }

/** Durable events: each carries the user's event `seq`. */
export type DurableEvent =
  | { type: 'friend.request'; request: FriendRequest; seq: number }
  | { type: 'friend.request.declined'; requestId: number; by: number; seq: number }
  | { type: 'friend.added'; profile: Profile; groupId: number; remark?: string; seq: number }
  | { type: 'friend.removed'; number: number; seq: number }
  | { type: 'friend.updated'; number: number; groupId: number; remark?: string; seq: number }
  | { type: 'buddygroups.changed'; groups: BuddyGroup[]; seq: number }
  | { type: 'profile.updated'; profile: Profile; seq: number }
  | { type: 'settings.updated'; settings: AccountSettings; seq: number }
  | { type: 'blocks.changed'; blocked: number[]; seq: number }
  | { type: 'message'; message: Message; seq: number }
  | { type: 'message.receipt'; peer: number; deliveredSeq: number; readSeq: number; seq: number }
  | { type: 'conversation.read'; peer: number; readSeq: number; seq: number }
  | { type: 'message.recalled'; peer: number; id: number; messageSeq: number; seq: number }
  | { type: 'message.deleted'; peer: number; id: number; seq: number };

export type EphemeralFrame =
  | { type: 'presence.snapshot'; friends: UserPresence[] }
  | { type: 'presence'; presence: UserPresence }
  | { type: 'typing'; from: number; active: boolean }
  | { type: 'session.ended'; code: string; message: string; messageZh: string };

export type ReplyFrame =
  | { type: 'authed'; me: Profile; settings: AccountSettings; sessionId: number; device: DeviceKind; seq: number; re: number }
  | { type: 'pong'; re: number }
  | { type: 'ok'; re: number }
  | { type: 'synced'; seq: number; re: number }
  | { type: 'msg.sent'; message: Message; duplicate: boolean; re: number }
  | ({ type: 'error'; re: number } & ErrorBody);

export type ServerFrame = DurableEvent | EphemeralFrame | ReplyFrame;

export const durableTypes = new Set<string>([
  'friend.request', 'friend.request.declined', 'friend.added', 'friend.removed', 'friend.updated',
  'buddygroups.changed', 'profile.updated', 'settings.updated', 'blocks.changed', 'message',
  'message.receipt', 'conversation.read', 'message.recalled', 'message.deleted',
]);

export function isDurable(frame: { type: string; seq?: number }): frame is DurableEvent {
  return durableTypes.has(frame.type) && typeof frame.seq === 'number';
}

/** Most available first, as the protocol orders them. */
export const statusRank: Record<PresenceStatus, number> = {
  online: 5, away: 4, busy: 3, dnd: 2, invisible: 1, offline: 0,
};
export const selectableStatuses: PresenceStatus[] = ['online', 'away', 'busy', 'dnd', 'invisible'];
