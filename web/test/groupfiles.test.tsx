import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../src/api';
import { PenguinClient } from '../src/client';
import { attachmentPreview, VoicePlayer } from '../src/components/Attachment';
import { GroupChat } from '../src/components/GroupChat';
import { Groups } from '../src/components/Groups';
import { RoomChat } from '../src/components/Rooms';
import { emptyGroupState } from '../src/groups';
import { I18nContext, translator } from '../src/i18n';
import type { Attachment, Friend, GroupInfo, GroupMessage, GroupSummary, Profile } from '../src/protocol';
import { emptyState } from '../src/state';
import { audioDuration, formatDuration } from '../src/upload';
import { FakeSocket, MemoryStorage, alice, bob } from './fakes';

const carol: Profile = { number: 10003, nickname: 'Carol', avatar: 'penguin-02', gender: 'unknown' };
const friend = (p: Profile): Friend => ({ profile: p, groupId: 1, presence: { number: p.number, status: 'online', devices: [] } });
const info = (patch: Partial<GroupInfo> = {}): GroupInfo => ({
  id: 200001, name: '周末爬山群', avatar: 'penguin-05', introduction: '', announcement: '', joinPolicy: 'approval', muteAll: false,
  owner: alice.number, memberCount: 2, maxMembers: 500, createdAt: '2026-12-01T08:30:15.123+00:00', dissolved: false, ...patch,
});
const summary = (patch: Partial<GroupSummary> = {}): GroupSummary => ({
  group: info(), role: 'owner', notify: 'notify', joinedSeq: 0, lastSeq: 0, readSeq: 0, unread: 0, ...patch,
});
const voice: Attachment = { fileId: 'f'.repeat(32), name: 'voice.wav', size: 16044, contentType: 'audio/wav', preview: false, durationMs: 7000 };
const picture: Attachment = { fileId: 'a'.repeat(32), name: '合照.png', size: 2048, contentType: 'image/png', preview: true, width: 64, height: 48 };
const gm = (seq: number, from: number, patch: Partial<GroupMessage> = {}): GroupMessage => ({
  id: 9000 + seq, groupId: 200001, from, seq, clientId: `gc${seq}`, sentAt: new Date(Date.UTC(2026, 11, 1, 8, 0, seq)).toISOString(),
  recalled: false, mentionAll: false, ...patch,
});
const wrap = (ui: React.ReactNode, lang: 'zh' | 'en' = 'en') => <I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => {} }}>{ui}</I18nContext.Provider>;

beforeAll(() => {
  // jsdom has no layout: give the virtualised list a size so it renders rows.
  Object.defineProperty(HTMLElement.prototype, 'offsetHeight', { configurable: true, get: () => 600 });
  Object.defineProperty(HTMLElement.prototype, 'offsetWidth', { configurable: true, get: () => 800 });
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 600 });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 800 });
  HTMLElement.prototype.getBoundingClientRect = () => ({ x: 0, y: 0, top: 0, left: 0, bottom: 600, right: 800, width: 800, height: 600, toJSON() {} }) as DOMRect;
  globalThis.ResizeObserver ??= class { observe() {} unobserve() {} disconnect() {} } as unknown as typeof ResizeObserver;
  Element.prototype.scrollTo ??= function () {};
});
afterEach(() => { cleanup(); vi.unstubAllGlobals(); vi.restoreAllMocks(); });

async function connected() {
  FakeSocket.instances = [];
  const storage = new MemoryStorage();
  storage.setItem('penguin.session', JSON.stringify({ token: 't', number: alice.number, sessionId: 1 }));
  vi.stubGlobal('WebSocket', Object.assign(function (url: string) { return new FakeSocket(url); }, { OPEN: 1 }));
  const client = new PenguinClient(storage, 'ws://x');
  client.api.friends = async () => ({ groups: [], friends: [] });
  client.api.friendRequests = async () => ({ incoming: [], outgoing: [] });
  client.api.blocks = async () => ({ blocked: [] });
  client.api.conversations = async () => ({ conversations: [] });
  client.api.myGroups = async () => ({ groups: [summary()] });
  client.api.groupRequests = async () => ({ requests: [] });
  client.start();
  const socket = FakeSocket.last;
  socket.open();
  socket.push({ type: 'authed', me: alice, settings: {}, sessionId: 1, device: 'web', seq: 0, re: socket.sent[0].id });
  await vi.waitFor(() => expect(client.state.get().chat.groups[200001]).toBeTruthy());
  return { client, socket };
}

describe('files and voice clips in messages', () => {
  it('a group file goes out as group.send with fileId (and durationMs for voice), without an empty text', async () => {
    const { client, socket } = await connected();
    client.sendGroup(200001, '', [], false, { id: voice.fileId, name: voice.name, durationMs: 7000 });
    const frame = socket.ops('group.send')[0];
    expect(frame).toMatchObject({ groupId: 200001, fileId: voice.fileId, durationMs: 7000 });
    expect(frame).not.toHaveProperty('text');
    expect(client.state.get().chat.outbox[0]).toMatchObject({ fileName: 'voice.wav', durationMs: 7000 });
    socket.push({ type: 'group.sent', message: gm(1, alice.number, { clientId: frame.clientId as string, attachment: voice }), duplicate: false, re: frame.id });
    await vi.waitFor(() => expect(client.state.get().chat.outbox).toHaveLength(0));
    expect(client.state.get().chat.last[200001].attachment?.durationMs).toBe(7000);
    client.sendGroup(200001, '周末合照', [], false, { id: picture.fileId, name: picture.name });
    const caption = socket.ops('group.send')[1];
    expect(caption).toMatchObject({ text: '周末合照', fileId: picture.fileId });
    expect(caption).not.toHaveProperty('durationMs');
  });

  it('a one-to-one voice clip carries durationMs too', async () => {
    const { client, socket } = await connected();
    client.send(bob.number, '', { id: voice.fileId, name: voice.name, durationMs: 1500 });
    expect(socket.ops('msg.send')[0]).toMatchObject({ to: bob.number, fileId: voice.fileId, durationMs: 1500 });
  });

  it('lengths read m:ss; list previews say what a file message is', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(7000)).toBe('0:07');
    expect(formatDuration(90_400)).toBe('1:30');
    expect(attachmentPreview(translator('zh'), voice)).toBe('[语音] 0:07');
    expect(attachmentPreview(translator('en'), picture)).toBe('[Picture]');
    expect(attachmentPreview(translator('en'), { ...voice, contentType: 'application/pdf', name: 'a.pdf' })).toBe('[File] a.pdf');
  });

  it('a file that is not audio has no length to measure', async () => {
    expect(await audioDuration(new Blob(['x'], { type: 'text/plain' }))).toBeUndefined();
  });

  it('the voice player shows the length, fetches the clip on the first play and plays it', async () => {
    const client = new PenguinClient(new MemoryStorage(), 'ws://x');
    const blob = vi.spyOn(client.api, 'fileBlob').mockResolvedValue(new Blob(['RIFF'], { type: 'audio/wav' }));
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: () => 'blob:voice' }));
    const play = vi.spyOn(HTMLMediaElement.prototype, 'play').mockImplementation(function (this: HTMLMediaElement) {
      this.dispatchEvent(new Event('play'));
      return Promise.resolve();
    });
    render(wrap(<VoicePlayer api={client.api} a={voice} />, 'zh'));
    const button = screen.getByRole('button', { name: '播放语音消息（0:07）' });
    expect(button.textContent).toContain('语音 0:07');
    expect(blob).not.toHaveBeenCalled(); // nothing is downloaded before the first play
    await act(async () => { fireEvent.click(button); });
    expect(blob).toHaveBeenCalledWith(voice.fileId, false);
    expect(play).toHaveBeenCalled();
    expect(screen.getByTestId('voice').getAttribute('data-playing')).toBe('true');
    expect(screen.getByRole('button', { name: '暂停语音消息' })).toBeTruthy();
  });
});

describe('group window: files, members, ownership', () => {
  function groupClient(role: GroupSummary['role'] = 'owner') {
    const client = new PenguinClient(new MemoryStorage(), 'ws://x');
    client.state.set({
      ...emptyState(), me: alice, friends: { [bob.number]: friend(bob), [carol.number]: friend(carol) },
      chat: {
        ...emptyGroupState(),
        groups: { 200001: summary({ role, lastSeq: 2, readSeq: 2 }) },
        histories: { 200001: { items: [gm(1, bob.number, { attachment: picture }), gm(2, bob.number, { attachment: voice })], more: false, loaded: true } },
        members: { 200001: [{ number: alice.number, role: 'owner', joinedAt: '' }, { number: bob.number, role: 'member', joinedAt: '' }] },
      },
    });
    vi.spyOn(client, 'loadGroupMembers').mockResolvedValue();
    vi.spyOn(client.api, 'fileBlob').mockResolvedValue(new Blob(['x'], { type: 'image/png' }));
    return client;
  }

  it('shows pictures, voice clips and download links in the group, and has a 📎 in the composer', async () => {
    const client = groupClient();
    render(wrap(<GroupChat client={client} groupId={200001} onClose={() => {}} />));
    expect(await screen.findByRole('button', { name: 'Play voice message (0:07)' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Download voice.wav' })).toBeTruthy();
    expect(screen.getAllByTestId('attachment').map((a) => a.getAttribute('data-kind'))).toEqual(['picture', 'audio']);
    expect(screen.getByRole('button', { name: 'Attach a file or picture' })).toBeTruthy();
  });

  it('renders only the visible rows of a 100,000-message group history', async () => {
    const client = groupClient();
    const items = Array.from({ length: 100_000 }, (_, i) => gm(i + 1, i % 2 ? alice.number : bob.number, { text: `group message ${i + 1}` }));
    client.state.update((s) => ({ ...s, chat: { ...s.chat, histories: { 200001: { items, more: false, loaded: true } } } }));
    vi.spyOn(client.api, 'groupReads').mockResolvedValue({ messageSeq: 1, read: 1, members: 2 });
    const { container } = render(wrap(<GroupChat client={client} groupId={200001} onClose={() => {}} />));
    await screen.findByText('group message 1'); // jsdom does not scroll: the first rows are the visible ones
    const rows = container.querySelectorAll('.vrow').length;
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThan(60);
  }, 30_000); // building 100,000 rows is slow on a busy machine; the assertion is about what renders, not time

  it('the owner invites a friend who is not a member, and transfers the group', async () => {
    const client = groupClient();
    const invite = vi.spyOn(client.api, 'invite').mockResolvedValue();
    const transfer = vi.spyOn(client.api, 'transferGroup').mockResolvedValue();
    const patch = vi.spyOn(client.api, 'updateChatGroup').mockResolvedValue(info({ joinPolicy: 'invite' }));
    vi.stubGlobal('confirm', () => true);
    render(wrap(<GroupChat client={client} groupId={200001} onClose={() => {}} />, 'zh'));
    fireEvent.click(screen.getByRole('button', { name: '显示群成员' }));
    const who = screen.getByLabelText('要邀请的好友') as HTMLSelectElement;
    expect([...who.options].map((o) => o.textContent)).toEqual(['Carol (10003)']); // Bob is in the group already
    await act(async () => { fireEvent.click(screen.getByRole('button', { name: '邀请' })); });
    expect(invite).toHaveBeenCalledWith(200001, carol.number);
    expect(screen.getByText('已邀请 Carol。')).toBeTruthy();
    await act(async () => { fireEvent.click(within(screen.getByTestId(`member-${bob.number}`)).getByRole('button', { name: '转让群主' })); });
    expect(transfer).toHaveBeenCalledWith(200001, bob.number);
    await act(async () => { fireEvent.change(screen.getByLabelText('加群方式'), { target: { value: 'invite' } }); });
    expect(patch).toHaveBeenCalledWith(200001, { joinPolicy: 'invite' });
  });

  it('a plain member may invite but sees no transfer, admin or policy controls', () => {
    const client = groupClient('member');
    render(wrap(<GroupChat client={client} groupId={200001} onClose={() => {}} />));
    fireEvent.click(screen.getByRole('button', { name: 'Show members' }));
    expect(screen.getByRole('button', { name: 'Invite' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Make owner' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Make admin' })).toBeNull();
    expect(screen.queryByLabelText('Who may join')).toBeNull();
  });

  it('a request another admin answered meanwhile leaves the inbox without an error', async () => {
    const client = new PenguinClient(new MemoryStorage(), 'ws://x');
    client.state.set({
      ...emptyState(), me: alice, profiles: { [bob.number]: bob },
      chat: { ...emptyGroupState(), groups: { 200001: summary() }, requests: { 7: { id: 7, groupId: 200001, from: bob.number, message: '', createdAt: '' } } },
    });
    vi.spyOn(client.api, 'groupRequests').mockResolvedValue({ requests: [{ id: 7, groupId: 200001, from: bob.number, message: '', createdAt: '' }] });
    vi.spyOn(client.api, 'approveJoin').mockRejectedValue(new ApiError(404, { code: 'not_found', message: 'Not found.', messageZh: '未找到。' }));
    render(wrap(<Groups client={client} current={null} onOpen={() => {}} />));
    await act(async () => { fireEvent.click(await screen.findByRole('button', { name: 'Approve' })); });
    expect(screen.queryByRole('button', { name: 'Approve' })).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

describe('room moderators', () => {
  const room = { id: 300001, name: '周末爬山', topic: '户外', creator: alice.number, people: 3, createdAt: '2026-12-01T08:30:15.123+00:00' };
  function roomClient(me: Profile, moderators: number[]) {
    const client = new PenguinClient(new MemoryStorage(), 'ws://x');
    client.state.set({ ...emptyState(), me, profiles: { [alice.number]: alice, [bob.number]: bob, [carol.number]: carol } });
    client.rooms.set({ 300001: { room, people: [alice.number, bob.number, carol.number], messages: [] } });
    vi.spyOn(client.api, 'roomModerators').mockResolvedValue({ numbers: moderators });
    vi.spyOn(client.api, 'roomBans').mockResolvedValue({ numbers: [] });
    return client;
  }

  it('a moderator puts people out and bans them, never the creator or themselves', async () => {
    const client = roomClient(bob, [alice.number, bob.number]);
    const kick = vi.spyOn(client.api, 'roomKick').mockResolvedValue();
    const ban = vi.spyOn(client.api, 'roomBan').mockResolvedValue();
    vi.stubGlobal('confirm', () => true);
    render(wrap(<RoomChat client={client} roomId={300001} onClose={() => {}} />));
    await act(async () => { fireEvent.click(screen.getByRole('button', { name: 'People inside' })); });
    await screen.findByText('Nobody is banned.');
    expect(within(screen.getByTestId(`room-person-${alice.number}`)).queryByRole('button')).toBeNull(); // the creator
    expect(within(screen.getByTestId(`room-person-${bob.number}`)).queryByRole('button')).toBeNull(); // oneself
    const carolRow = within(screen.getByTestId(`room-person-${carol.number}`));
    await act(async () => { fireEvent.click(carolRow.getByRole('button', { name: 'Put out' })); });
    expect(kick).toHaveBeenCalledWith(300001, carol.number);
    await act(async () => { fireEvent.click(carolRow.getByRole('button', { name: 'Ban' })); });
    expect(ban).toHaveBeenCalledWith(300001, carol.number, true);
  });

  it('someone who is not a moderator sees who is inside and nothing to press', async () => {
    const client = roomClient(carol, [alice.number]);
    render(wrap(<RoomChat client={client} roomId={300001} onClose={() => {}} />, 'zh'));
    await act(async () => { fireEvent.click(screen.getByRole('button', { name: '在线的人' })); });
    const list = screen.getByTestId('room-people-list');
    expect(within(list).getByText('管理员')).toBeTruthy();
    expect(within(list).queryAllByRole('button')).toHaveLength(0);
  });
});
