import type {
  AccountSettings, BuddyGroup, BuddyList, Conversation, DeviceKind, DeviceSession, ErrorBody,
  FriendRequest, GroupInfo, GroupJoinPolicy, GroupJoinRequest, GroupMember, GroupMessagePage, GroupNotify,
  GroupReadCount, GroupSummary, MessagePage, Profile, RoomInfo, StoredFile, UploadStatus,
} from './protocol';

/** A failed REST call: the protocol's error body, or a network/HTTP failure without one. */
export class ApiError extends Error {
  constructor(public readonly status: number, public readonly body: ErrorBody) {
    super(body.message);
  }
  get code() { return this.body.code; }
}

export interface LoginResponse { token: string; sessionId: number; profile: Profile }

/** The REST half of the protocol (docs/protocol.md §5), on the page's own origin. */
export class Api {
  constructor(private readonly base = '/api/v1', public token: string | null = null) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await this.raw(method, path, { headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return Api.json<T>(response);
  }

  /** A request with the session token; network failures become ApiError 'network'. */
  async raw(method: string, path: string, init: { headers?: Record<string, string>; body?: BodyInit; signal?: AbortSignal } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    try {
      return await fetch(this.base + path, { method, headers, body: init.body, signal: init.signal });
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      throw new ApiError(0, { code: 'network', message: 'The server cannot be reached.', messageZh: '无法连接服务器。' });
    }
  }

  /** The JSON body of a response, or its error body as an ApiError. */
  static async json<T>(response: Response): Promise<T> {
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let json: { error?: ErrorBody } | undefined;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    if (!response.ok) {
      const error: ErrorBody = json?.error ?? {
        code: response.status >= 500 ? 'internal' : 'bad_request',
        message: `HTTP ${response.status}`, messageZh: `HTTP ${response.status}`,
      };
      throw new ApiError(response.status, error);
    }
    return json as T;
  }

  register(nickname: string, password: string) {
    return this.call<{ number: number }>('POST', '/accounts', { nickname, password });
  }
  login(number: number, password: string, device: DeviceKind, deviceName?: string) {
    return this.call<LoginResponse>('POST', '/sessions', { number, password, device, deviceName });
  }
  sessions() { return this.call<{ sessions: DeviceSession[] }>('GET', '/sessions'); }
  endSession(id: number) { return this.call<void>('DELETE', `/sessions/${id}`); }
  logout() { return this.call<void>('DELETE', '/sessions/current'); }
  me() { return this.call<{ profile: Profile; settings: AccountSettings }>('GET', '/me'); }
  updateProfile(patch: Partial<Profile>) { return this.call<Profile>('PATCH', '/me/profile', patch); }
  user(number: number) { return this.call<Profile>('GET', `/users/${number}`); }
  searchUsers(q: string) { return this.call<{ users: Profile[] }>('GET', `/users?q=${encodeURIComponent(q)}`); }
  friends() { return this.call<BuddyList>('GET', '/friends'); }
  updateFriend(number: number, patch: { groupId?: number; remark?: string }) {
    return this.call<void>('PATCH', `/friends/${number}`, patch);
  }
  removeFriend(number: number) { return this.call<void>('DELETE', `/friends/${number}`); }
  friendRequests() { return this.call<{ incoming: FriendRequest[]; outgoing: FriendRequest[] }>('GET', '/friend-requests'); }
  sendFriendRequest(to: number, message: string) {
    return this.call<{ state: string; request: FriendRequest }>('POST', '/friend-requests', { to, message });
  }
  acceptRequest(id: number) { return this.call<{ state: string; request: FriendRequest }>('POST', `/friend-requests/${id}/accept`); }
  declineRequest(id: number) { return this.call<{ state: string; request: FriendRequest }>('POST', `/friend-requests/${id}/decline`); }
  createGroup(name: string) { return this.call<{ groups: BuddyGroup[] }>('POST', '/buddy-groups', { name }); }
  renameGroup(id: number, name: string) { return this.call<{ groups: BuddyGroup[] }>('PATCH', `/buddy-groups/${id}`, { name }); }
  deleteGroup(id: number) { return this.call<{ groups: BuddyGroup[] }>('DELETE', `/buddy-groups/${id}`); }
  blocks() { return this.call<{ blocked: number[] }>('GET', '/blocks'); }
  block(number: number) { return this.call<{ blocked: number[] }>('PUT', `/blocks/${number}`); }
  unblock(number: number) { return this.call<{ blocked: number[] }>('DELETE', `/blocks/${number}`); }
  conversations() { return this.call<{ conversations: Conversation[] }>('GET', '/conversations'); }
  history(peer: number, before?: number, limit = 50) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (before !== undefined) query.set('before', String(before));
    return this.call<MessagePage>('GET', `/conversations/${peer}/messages?${query}`);
  }
  searchMessages(q: string, limit = 50) {
    return this.call<MessagePage>('GET', `/messages?q=${encodeURIComponent(q)}&limit=${limit}`);
  }

  // ---- groups (§11) ----
  myGroups() { return this.call<{ groups: GroupSummary[] }>('GET', '/groups'); }
  group(id: number) { return this.call<GroupInfo>('GET', `/groups/${id}`); }
  createChatGroup(name: string, joinPolicy: GroupJoinPolicy, introduction?: string) {
    return this.call<GroupSummary>('POST', '/groups', { name, joinPolicy, introduction });
  }
  updateChatGroup(id: number, patch: Partial<Pick<GroupInfo, 'name' | 'avatar' | 'introduction' | 'announcement' | 'joinPolicy'>>) {
    return this.call<GroupInfo>('PATCH', `/groups/${id}`, patch);
  }
  dissolveGroup(id: number) { return this.call<void>('DELETE', `/groups/${id}`); }
  groupMembers(id: number) { return this.call<{ members: GroupMember[] }>('GET', `/groups/${id}/members`); }
  kick(id: number, number: number) { return this.call<void>('DELETE', `/groups/${id}/members/${number}`); }
  muteMember(id: number, number: number, minutes: number) { return this.call<GroupMember>('PUT', `/groups/${id}/members/${number}/mute`, { minutes }); }
  muteAll(id: number, muted: boolean) { return this.call<GroupInfo>('PUT', `/groups/${id}/mute-all`, { muted }); }
  setAdmin(id: number, number: number, admin: boolean) { return this.call<GroupMember>(admin ? 'PUT' : 'DELETE', `/groups/${id}/admins/${number}`); }
  joinGroup(id: number, message?: string) {
    return this.call<{ state: 'joined'; group: GroupSummary } | { state: 'pending'; request: GroupJoinRequest }>('POST', `/groups/${id}/join`, { message });
  }
  leaveGroup(id: number) { return this.call<void>('POST', `/groups/${id}/leave`); }
  groupRequests(id: number) { return this.call<{ requests: GroupJoinRequest[] }>('GET', `/groups/${id}/requests`); }
  approveJoin(id: number, rid: number) { return this.call<GroupSummary>('POST', `/groups/${id}/requests/${rid}/approve`); }
  refuseJoin(id: number, rid: number) { return this.call<void>('POST', `/groups/${id}/requests/${rid}/refuse`); }
  invite(id: number, number: number) { return this.call<void>('POST', `/groups/${id}/invitations`, { number }); }
  transferGroup(id: number, to: number) { return this.call<void>('POST', `/groups/${id}/transfer`, { to }); }
  setCard(id: number, card: string | null) { return this.call<GroupMember>('PUT', `/groups/${id}/card`, { card }); }
  setNotify(id: number, notify: GroupNotify) { return this.call<GroupMember>('PUT', `/groups/${id}/notify`, { notify }); }
  groupHistory(id: number, opts: { before?: number; after?: number; limit?: number }) {
    const query = new URLSearchParams({ limit: String(opts.limit ?? 50) });
    if (opts.before !== undefined) query.set('before', String(opts.before));
    if (opts.after !== undefined) query.set('after', String(opts.after));
    return this.call<GroupMessagePage>('GET', `/groups/${id}/messages?${query}`);
  }
  groupReads(id: number, seq: number) { return this.call<GroupReadCount>('GET', `/groups/${id}/messages/${seq}/reads`); }

  // ---- chat rooms (§12) ----
  rooms(topic?: string) { return this.call<{ rooms: RoomInfo[] }>('GET', `/rooms${topic ? `?topic=${encodeURIComponent(topic)}` : ''}`); }
  createRoom(name: string, topic: string) { return this.call<RoomInfo>('POST', '/rooms', { name, topic }); }
  roomModerators(id: number) { return this.call<{ numbers: number[] }>('GET', `/rooms/${id}/moderators`); }
  roomKick(id: number, number: number) { return this.call<void>('POST', `/rooms/${id}/kick/${number}`); }
  roomBans(id: number) { return this.call<{ numbers: number[] }>('GET', `/rooms/${id}/bans`); }
  roomBan(id: number, number: number, banned: boolean) { return this.call<void>(banned ? 'PUT' : 'DELETE', `/rooms/${id}/bans/${number}`); }

  // ---- files (§10) ----
  createUpload(name: string, size: number, sha256: string, contentType: string) {
    return this.call<{ file: StoredFile; upload?: undefined } | { upload: UploadStatus; file?: undefined }>('POST', '/uploads', { name, size, sha256, contentType });
  }
  uploadStatus(id: string) { return this.call<UploadStatus>('GET', `/uploads/${id}`); }
  completeUpload(id: string) { return this.call<StoredFile>('POST', `/uploads/${id}/complete`); }
  cancelUpload(id: string) { return this.call<void>('DELETE', `/uploads/${id}`); }
  /** The bytes of a file (or its preview) as a Blob: downloads need the token, so no plain <img src>. */
  async fileBlob(id: string, preview = false): Promise<Blob> {
    const r = await this.raw('GET', `/files/${id}${preview ? '/preview' : ''}`);
    if (!r.ok) await Api.json(r);
    return r.blob();
  }
}
