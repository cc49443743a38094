import type {
  AccountSettings, BuddyGroup, BuddyList, Conversation, DeviceKind, DeviceSession, ErrorBody,
  FriendRequest, MessagePage, Profile,
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
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, { code: 'network', message: 'The server cannot be reached.', messageZh: '无法连接服务器。' });
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    const json = text ? JSON.parse(text) : undefined;
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
}
