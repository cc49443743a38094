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
/** A file, picture or voice clip carried by a message (§10.3). */
export interface Attachment {
  fileId: string; name: string; size: number; contentType: string; preview: boolean;
  width?: number; height?: number; durationMs?: number;
}
export interface Message {
  id: number; from: number; to: number; seq: number; clientId: string; sentAt: string;
  text?: string; recalled: boolean; attachment?: Attachment;
}
/** A stored file (§10.1). */
export interface StoredFile {
  id: string; name: string; size: number; contentType: string; sha256: string; createdAt: string; expiresAt: string;
  width?: number; height?: number; preview?: boolean;
}
export interface UploadStatus {
  id: string; name: string; size: number; sha256: string; contentType: string; offset: number; expiresAt: string;
}

// ---- groups (§11) ----
export type GroupJoinPolicy = 'open' | 'approval' | 'invite';
export type GroupRole = 'member' | 'admin' | 'owner';
export type GroupNotify = 'notify' | 'silent' | 'block';
export type GroupLeaveReason = 'left' | 'kicked' | 'dissolved';
export interface GroupInfo {
  id: number; name: string; avatar: string; introduction: string; announcement: string; joinPolicy: GroupJoinPolicy;
  muteAll: boolean; owner: number; memberCount: number; maxMembers: number; createdAt: string; dissolved: boolean;
}
export interface GroupMember { number: number; role: GroupRole; joinedAt: string; card?: string; mutedUntil?: string }
export interface GroupMessage {
  id: number; groupId: number; from: number; seq: number; clientId: string; sentAt: string;
  text?: string; recalled: boolean; mentions?: number[]; mentionAll: boolean; attachment?: Attachment;
}
export interface GroupSummary {
  group: GroupInfo; role: GroupRole; notify: GroupNotify; joinedSeq: number; lastSeq: number; readSeq: number;
  unread: number; card?: string;
}
export interface GroupJoinRequest { id: number; groupId: number; from: number; message: string; createdAt: string }
export interface GroupMessagePage { messages: GroupMessage[]; more: boolean }
export interface GroupReadCount { messageSeq: number; read: number; members: number }

// ---- chat rooms (§12): live only, being inside belongs to the connection ----
export interface RoomInfo { id: number; name: string; topic: string; creator: number; people: number; createdAt: string }
export interface RoomMessage { id: number; roomId: number; from: number; text: string; sentAt: string }
export type RoomExitReason = 'left' | 'kicked' | 'banned';
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
  | { type: 'message.deleted'; peer: number; id: number; seq: number }
  | { type: 'group.joined'; group: GroupSummary; seq: number }
  | { type: 'group.left'; groupId: number; reason: GroupLeaveReason; seq: number }
  | { type: 'group.updated'; group: GroupInfo; seq: number }
  | { type: 'group.membership'; groupId: number; member: GroupMember; notify: GroupNotify; seq: number }
  | { type: 'group.mentioned'; groupId: number; messageId: number; messageSeq: number; from: number; seq: number }
  | { type: 'group.read'; groupId: number; readSeq: number; seq: number }
  | { type: 'group.request'; request: GroupJoinRequest; seq: number }
  | { type: 'group.request.refused'; groupId: number; requestId: number; seq: number }
  | { type: 'group.request.handled'; groupId: number; requestId: number; by: number; approved: boolean; seq: number }
  | { type: 'group.invited'; group: GroupInfo; by: number; seq: number };

export type EphemeralFrame =
  | { type: 'presence.snapshot'; friends: UserPresence[] }
  | { type: 'presence'; presence: UserPresence }
  | { type: 'typing'; from: number; active: boolean }
  | { type: 'session.ended'; code: string; message: string; messageZh: string }
  | { type: 'group.message'; message: GroupMessage }
  | { type: 'group.recalled'; groupId: number; id: number; messageSeq: number; by: number }
  | { type: 'group.member'; groupId: number; member: GroupMember }
  | { type: 'group.member.left'; groupId: number; number: number; reason: GroupLeaveReason }
  | { type: 'room.message'; message: RoomMessage }
  | { type: 'room.person.entered'; roomId: number; number: number; people: number }
  | { type: 'room.person.left'; roomId: number; number: number; reason: RoomExitReason; people: number }
  | { type: 'room.removed'; roomId: number; reason: 'kicked' | 'banned'; by: number };

export type ReplyFrame =
  | { type: 'authed'; me: Profile; settings: AccountSettings; sessionId: number; device: DeviceKind; seq: number; re: number }
  | { type: 'pong'; re: number }
  | { type: 'ok'; re: number }
  | { type: 'synced'; seq: number; re: number }
  | { type: 'msg.sent'; message: Message; duplicate: boolean; re: number }
  | { type: 'group.sent'; message: GroupMessage; duplicate: boolean; re: number }
  | { type: 'room.entered'; room: RoomInfo; people: number[]; recent: RoomMessage[]; re: number }
  | { type: 'room.sent'; message: RoomMessage; re: number }
  | ({ type: 'error'; re: number } & ErrorBody);

export type ServerFrame = DurableEvent | EphemeralFrame | ReplyFrame;

export const durableTypes = new Set<string>([
  'friend.request', 'friend.request.declined', 'friend.added', 'friend.removed', 'friend.updated',
  'buddygroups.changed', 'profile.updated', 'settings.updated', 'blocks.changed', 'message',
  'message.receipt', 'conversation.read', 'message.recalled', 'message.deleted',
  'group.joined', 'group.left', 'group.updated', 'group.membership', 'group.mentioned', 'group.read',
  'group.request', 'group.request.refused', 'group.request.handled', 'group.invited',
]);

export function isDurable(frame: { type: string; seq?: number }): frame is DurableEvent {
  return durableTypes.has(frame.type) && typeof frame.seq === 'number';
}

/** Most available first, as the protocol orders them. */
export const statusRank: Record<PresenceStatus, number> = {
  online: 5, away: 4, busy: 3, dnd: 2, invisible: 1, offline: 0,
};
export const selectableStatuses: PresenceStatus[] = ['online', 'away', 'busy', 'dnd', 'invisible'];
