import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PenguinClient } from '../src/client';
import { GroupComposer } from '../src/components/GroupChat';
import { Groups } from '../src/components/Groups';
import {
  applyGroupEvent, applyGroupList, applyGroupMessage, applyGroupPage, applyGroupRecall, canManage, emptyGroupState,
  finalMentions, heldSeq, mentionCandidates, mentionQuery, type GroupState,
} from '../src/groups';
import { I18nContext, translator } from '../src/i18n';
import type { GroupInfo, GroupMessage, GroupSummary } from '../src/protocol';
import { applyEvent, emptyState, totalGroupUnread, type ChatState } from '../src/state';
import { FakeSocket, MemoryStorage, alice, bob } from './fakes';

const info = (id = 200001, patch: Partial<GroupInfo> = {}): GroupInfo => ({
  id, name: '周末爬山群', avatar: 'penguin-05', introduction: '', announcement: '周六 8 点', joinPolicy: 'approval', muteAll: false,
  owner: alice.number, memberCount: 2, maxMembers: 500, createdAt: '2026-12-01T08:30:15.123+00:00', dissolved: false, ...patch,
});
const summary = (patch: Partial<GroupSummary> = {}): GroupSummary => ({
  group: info(), role: 'owner', notify: 'notify', joinedSeq: 0, lastSeq: 0, readSeq: 0, unread: 0, ...patch,
});
const gm = (seq: number, from: number, text = `g${seq}`, patch: Partial<GroupMessage> = {}): GroupMessage => ({
  id: 9000 + seq, groupId: 200001, from, seq, clientId: `gc${seq}`, sentAt: new Date(Date.UTC(2026, 11, 1, 8, 0, seq)).toISOString(),
  text, recalled: false, mentionAll: false, ...patch,
});
const joined = (s: GroupState, g = summary()) => applyGroupEvent(s, { type: 'group.joined', group: g, seq: 1 }, alice.number);

afterEach(() => cleanup());

describe('group state', () => {
  it('counts unread as lastSeq − readSeq, and one own message reads the group up to it', () => {
    let s = joined(emptyGroupState(), summary({ role: 'member', joinedSeq: 3, lastSeq: 3, readSeq: 3 }));
    s = applyGroupMessage(s, gm(4, bob.number), alice.number);
    s = applyGroupMessage(s, gm(5, bob.number), alice.number);
    expect(s.groups[200001]).toMatchObject({ lastSeq: 5, readSeq: 3, unread: 2 });
    s = applyGroupMessage(s, gm(6, alice.number), alice.number);
    expect(s.groups[200001]).toMatchObject({ lastSeq: 6, readSeq: 6, unread: 0 });
  });

  it('a read from another device (group.read) lowers unread; cursors never move back', () => {
    let s = joined(emptyGroupState(), summary({ lastSeq: 10, readSeq: 2 }));
    s = applyGroupEvent(s, { type: 'group.read', groupId: 200001, readSeq: 8, seq: 2 }, alice.number);
    expect(s.groups[200001].unread).toBe(2);
    s = applyGroupEvent(s, { type: 'group.read', groupId: 200001, readSeq: 5, seq: 3 }, alice.number);
    expect(s.groups[200001].readSeq).toBe(8);
    s = applyGroupList(s, [summary({ lastSeq: 9, readSeq: 4 })]);
    expect(s.groups[200001]).toMatchObject({ lastSeq: 10, readSeq: 8, unread: 2 });
  });

  it('history pages merge by seq without duplicates; a live message racing the page is kept once', () => {
    let s = joined(emptyGroupState());
    s = applyGroupPage(s, 200001, [gm(3, bob.number), gm(4, bob.number)], true, false, alice.number);
    s = applyGroupMessage(s, gm(5, bob.number), alice.number);
    s = applyGroupPage(s, 200001, [gm(4, bob.number), gm(5, bob.number), gm(6, bob.number)], false, false, alice.number);
    s = applyGroupPage(s, 200001, [gm(1, bob.number), gm(2, bob.number)], false, true, alice.number);
    expect(s.histories[200001].items.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(s.histories[200001].more).toBe(false);
    expect(s.groups[200001].lastSeq).toBe(6);
  });

  it('a recall hides the text in history and in the list preview', () => {
    let s = joined(emptyGroupState());
    s = applyGroupPage(s, 200001, [gm(1, bob.number, 'secret')], false, false, alice.number);
    s = applyGroupRecall(s, 200001, 1);
    expect(s.histories[200001].items[0]).toMatchObject({ recalled: true, text: undefined });
    expect(s.last[200001].recalled).toBe(true);
  });

  it('the own group.sent confirms the pending message with its client id', () => {
    let s: GroupState = { ...joined(emptyGroupState()), outbox: [{ clientId: 'gc7', groupId: 200001, text: 'hi', mentions: [], mentionAll: false, createdAt: '' }] };
    s = applyGroupMessage(s, gm(7, alice.number, 'hi'), alice.number);
    expect(s.outbox).toEqual([]);
  });

  it('leaving, being kicked or a dissolve forgets the group and says why', () => {
    let s = joined(emptyGroupState());
    s = applyGroupEvent(s, { type: 'group.request', request: { id: 7, groupId: 200001, from: bob.number, message: '', createdAt: '' }, seq: 2 }, alice.number);
    s = applyGroupEvent(s, { type: 'group.left', groupId: 200001, reason: 'kicked', seq: 3 }, alice.number);
    expect(s.groups[200001]).toBeUndefined();
    expect(s.requests).toEqual({});
    expect(s.left[200001]).toBe('kicked');
    s = joined(s);
    expect(s.left[200001]).toBeUndefined();
  });

  it('a request answered by another admin (group.request.handled) leaves the inbox live', () => {
    let s = joined(emptyGroupState());
    s = applyGroupEvent(s, { type: 'group.request', request: { id: 7, groupId: 200001, from: bob.number, message: '', createdAt: '' }, seq: 2 }, alice.number);
    s = applyGroupEvent(s, { type: 'group.request', request: { id: 8, groupId: 200001, from: 10003, message: '', createdAt: '' }, seq: 3 }, alice.number);
    s = applyGroupEvent(s, { type: 'group.request.handled', groupId: 200001, requestId: 7, by: 10004, approved: true, seq: 4 }, alice.number);
    expect(Object.keys(s.requests)).toEqual(['8']);
    const again = applyGroupEvent(s, { type: 'group.request.handled', groupId: 200001, requestId: 7, by: 10004, approved: true, seq: 4 }, alice.number);
    expect(again.requests).toEqual(s.requests);
  });

  it('role, card and notify changes of oneself update the summary; a mention is remembered', () => {
    let s = joined(emptyGroupState(), summary({ role: 'member' }));
    s = applyGroupEvent(s, { type: 'group.membership', groupId: 200001, member: { number: alice.number, role: 'admin', joinedAt: '', card: '队长' }, notify: 'silent', seq: 2 }, alice.number);
    expect(s.groups[200001]).toMatchObject({ role: 'admin', card: '队长', notify: 'silent' });
    s = applyGroupEvent(s, { type: 'group.mentioned', groupId: 200001, messageId: 1, messageSeq: 4, from: bob.number, seq: 3 }, alice.number);
    expect(s.mentioned[200001]).toBe(4);
    s = applyGroupEvent(s, { type: 'group.updated', group: info(200001, { announcement: '新公告', muteAll: true }), seq: 4 }, alice.number);
    expect(s.groups[200001].group).toMatchObject({ announcement: '新公告', muteAll: true });
  });

  it('durable group events go through applyEvent and move the cursor; silent groups do not count in the total', () => {
    let s: ChatState = { ...emptyState(), me: alice };
    s = applyEvent(s, { type: 'group.joined', group: summary({ lastSeq: 5, readSeq: 2 }), seq: 9 });
    expect(s.cursor).toBe(9);
    expect(totalGroupUnread(s)).toBe(3);
    s = applyEvent(s, { type: 'group.membership', groupId: 200001, member: { number: alice.number, role: 'owner', joinedAt: '' }, notify: 'silent', seq: 10 });
    expect(totalGroupUnread(s)).toBe(0);
  });

  it('who may act on whom (§11 Roles)', () => {
    const owner = summary({ role: 'owner' });
    const admin = summary({ role: 'admin' });
    const member = summary({ role: 'member' });
    const m = (number: number, role: 'member' | 'admin' | 'owner') => ({ number, role, joinedAt: '' });
    expect(canManage(owner, m(3, 'admin'), 1)).toBe(true);
    expect(canManage(admin, m(3, 'admin'), 1)).toBe(false);
    expect(canManage(admin, m(3, 'member'), 1)).toBe(true);
    expect(canManage(member, m(3, 'member'), 1)).toBe(false);
    expect(canManage(owner, m(1, 'owner'), 1)).toBe(false);
  });
});

describe('group catch-up', () => {
  it('holds up to the first gap: a live frame that overtook another does not hide the one still missing', () => {
    expect(heldSeq([], 7)).toBe(7);
    expect(heldSeq([gm(4, bob.number), gm(5, bob.number), gm(6, bob.number)], 3)).toBe(6);
    expect(heldSeq([gm(4, bob.number), gm(5, bob.number), gm(7, bob.number), gm(8, bob.number)], 3)).toBe(5);
  });

  it('after a reconnect asks for the messages after the gap, not after the newest, and fills it', async () => {
    const client = new PenguinClient(new MemoryStorage(), 'ws://x');
    let s = joined(emptyGroupState(), summary({ lastSeq: 5, readSeq: 0 }));
    s = applyGroupPage(s, 200001, [gm(1, bob.number), gm(2, bob.number), gm(3, bob.number)], false, false, alice.number);
    s = applyGroupMessage(s, gm(5, bob.number), alice.number); // 5 arrived live; 4 was still on its way when the socket dropped
    client.state.set({ ...emptyState(), me: alice, chat: s });
    client.api.myGroups = async () => ({ groups: [summary({ lastSeq: 6 })] });
    const history = vi.spyOn(client.api, 'groupHistory').mockResolvedValue({ messages: [gm(4, bob.number), gm(5, bob.number), gm(6, bob.number)], more: false });

    await client.catchUpGroups();

    expect(history).toHaveBeenCalledWith(200001, { after: 3, limit: 100 });
    expect(client.state.get().chat.histories[200001].items.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it('pages on from each page\'s end: a seq the server never returns does not hold the catch-up in a loop', async () => {
    const client = new PenguinClient(new MemoryStorage(), 'ws://x');
    let s = joined(emptyGroupState(), summary({ lastSeq: 3, readSeq: 0 }));
    s = applyGroupPage(s, 200001, [gm(1, bob.number), gm(2, bob.number), gm(3, bob.number)], false, false, alice.number);
    client.state.set({ ...emptyState(), me: alice, chat: s });
    client.api.myGroups = async () => ({ groups: [summary({ lastSeq: 110 })] });
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => gm(from + i, bob.number));
    const history = vi.spyOn(client.api, 'groupHistory').mockImplementation(async (_id, { after }) =>
      after === 3 ? { messages: range(5, 104), more: true } : { messages: range(105, 110), more: false });

    await client.catchUpGroups();

    expect(history.mock.calls.map(([, o]) => o.after)).toEqual([3, 104]);
  });
});

describe('mentions', () => {
  it('finds the mention at the caret only after a space or at the start', () => {
    expect(mentionQuery('hi @Bo', 6)).toEqual({ start: 3, query: 'Bo' });
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionQuery('mail a@b', 8)).toBeNull();
    expect(mentionQuery('@Bob done', 9)).toBeNull();
  });

  it('suggests members by name or number, never oneself', () => {
    const people = [{ number: 10001, name: 'Alice' }, { number: 10002, name: 'Bob' }, { number: 10003, name: '波波' }];
    expect(mentionCandidates(people, 'b', 10001).map((p) => p.number)).toEqual([10002]);
    expect(mentionCandidates(people, '1000', 10001).map((p) => p.number)).toEqual([10002, 10003]);
    expect(mentionCandidates(people, '波', 10001).map((p) => p.number)).toEqual([10003]);
  });

  it('keeps only the mentions still in the text', () => {
    const chosen = [{ number: 10002, name: 'Bob' }, { number: 10003, name: 'Carol' }];
    expect(finalMentions('@Bob see you', chosen, null)).toEqual({ mentions: [10002], mentionAll: false });
    expect(finalMentions('@全体成员 开会', [], '全体成员')).toEqual({ mentions: [], mentionAll: true });
    expect(finalMentions('开会', [], '全体成员')).toEqual({ mentions: [], mentionAll: false });
  });
});

describe('group components', () => {
  const wrap = (ui: React.ReactNode, lang: 'zh' | 'en' = 'en') => <I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => {} }}>{ui}</I18nContext.Provider>;

  it('the composer completes @ with the keyboard and sends the mention', () => {
    const client = new PenguinClient(new MemoryStorage(), 'ws://x');
    const send = vi.spyOn(client, 'sendGroup').mockImplementation(() => ({ clientId: 'x', groupId: 200001, text: '', mentions: [], mentionAll: false, createdAt: '' }));
    const state = { ...emptyState(), me: alice, friends: { [bob.number]: { profile: bob, groupId: 1, presence: { number: bob.number, status: 'online' as const, devices: [] } } } };
    const members = [{ number: alice.number, role: 'owner' as const, joinedAt: '' }, { number: bob.number, role: 'member' as const, joinedAt: '' }];
    render(wrap(<GroupComposer client={client} state={state} summary={summary()} members={members} disabled={false} />));
    const input = screen.getByRole('combobox', { name: 'Message' }) as HTMLTextAreaElement;
    fireEvent.change(input, { target: { value: 'hi @B', selectionStart: 5 } });
    const options = screen.getAllByRole('option');
    expect(options.map((o) => o.textContent)).toEqual(['Bob 10002']);
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(input.value).toBe('hi @Bob ');
    fireEvent.change(input, { target: { value: 'hi @Bob tomorrow', selectionStart: 16 } });
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(send).toHaveBeenCalledWith(200001, 'hi @Bob tomorrow', [bob.number], false);
  });

  it('typing straight on after picking a mention in mid-text stays where it is typed', async () => {
    const client = new PenguinClient(new MemoryStorage(), 'ws://x');
    const state = { ...emptyState(), me: alice, friends: { [bob.number]: { profile: bob, groupId: 1, presence: { number: bob.number, status: 'online' as const, devices: [] } } } };
    const members = [{ number: alice.number, role: 'owner' as const, joinedAt: '' }, { number: bob.number, role: 'member' as const, joinedAt: '' }];
    render(wrap(<GroupComposer client={client} state={state} summary={summary()} members={members} disabled={false} />));
    const input = screen.getByRole('combobox', { name: 'Message' }) as HTMLTextAreaElement;
    fireEvent.change(input, { target: { value: 'hi @B later', selectionStart: 5 } });
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(input.value).toBe('hi @Bob  later');
    expect(input.selectionStart).toBe(8);
    // One key typed at the caret before the next frame: the caret must not be pulled back behind it.
    fireEvent.change(input, { target: { value: 'hi @Bob w later', selectionStart: 9, selectionEnd: 9 } });
    await act(() => new Promise((r) => requestAnimationFrame(() => r(undefined))));
    expect(input.selectionStart).toBe(9);
  });

  it('@all is offered to admins only', () => {
    const client = new PenguinClient(new MemoryStorage(), 'ws://x');
    const state = { ...emptyState(), me: alice };
    const members = [{ number: alice.number, role: 'member' as const, joinedAt: '' }, { number: bob.number, role: 'member' as const, joinedAt: '' }];
    const { rerender } = render(wrap(<GroupComposer client={client} state={state} summary={summary({ role: 'member' })} members={members} disabled={false} />, 'zh'));
    const input = screen.getByRole('combobox', { name: '消息' });
    fireEvent.change(input, { target: { value: '@', selectionStart: 1 } });
    expect(screen.queryByRole('option', { name: /全体成员/ })).toBeNull();
    rerender(wrap(<GroupComposer client={client} state={state} summary={summary({ role: 'admin' })} members={members} disabled={false} />, 'zh'));
    fireEvent.change(input, { target: { value: '@', selectionStart: 1 } });
    expect(screen.getByRole('option', { name: /全体成员/ })).toBeTruthy();
  });

  it('the Groups tab lists groups with unread badges and the join requests inbox', async () => {
    const client = new PenguinClient(new MemoryStorage(), 'ws://x');
    client.state.set({
      ...emptyState(), me: alice, profiles: { [bob.number]: bob },
      chat: {
        ...emptyGroupState(),
        groups: { 200001: summary({ lastSeq: 4, readSeq: 1, unread: 3 }) },
        requests: { 7: { id: 7, groupId: 200001, from: bob.number, message: '我也想爬山', createdAt: '' } },
      },
    });
    const approve = vi.spyOn(client.api, 'approveJoin').mockResolvedValue(summary());
    render(wrap(<Groups client={client} current={null} onOpen={() => {}} />, 'zh'));
    expect(screen.getByTestId('group-200001').getAttribute('aria-label')).toBe('周末爬山群, 3 条未读');
    expect(screen.getByText('Bob 申请加入“周末爬山群”')).toBeTruthy();
    await act(async () => { fireEvent.click(screen.getByRole('button', { name: '同意' })); });
    expect(approve).toHaveBeenCalledWith(200001, 7);
    expect(screen.queryByText('我也想爬山')).toBeNull();
  });

  it('sends group.send with mentions over the socket and applies group.sent', async () => {
    FakeSocket.instances = [];
    const storage = new MemoryStorage();
    storage.setItem('penguin.session', JSON.stringify({ token: 't', number: alice.number, sessionId: 1 }));
    const client = new PenguinClient(storage, 'ws://x');
    vi.stubGlobal('WebSocket', Object.assign(function (url: string) { return new FakeSocket(url); }, { OPEN: 1 }));
    client.api.friends = async () => ({ groups: [], friends: [] });
    client.api.friendRequests = async () => ({ incoming: [], outgoing: [] });
    client.api.blocks = async () => ({ blocked: [] });
    client.api.conversations = async () => ({ conversations: [] });
    client.api.myGroups = async () => ({ groups: [summary({ lastSeq: 2, readSeq: 2 })] });
    client.api.groupRequests = async () => ({ requests: [] });
    client.start();
    const socket = FakeSocket.last;
    socket.open();
    socket.push({ type: 'authed', me: alice, settings: {}, sessionId: 1, device: 'web', seq: 0, re: socket.sent[0].id });
    await vi.waitFor(() => expect(client.state.get().chat.groups[200001]).toBeTruthy());
    client.sendGroup(200001, '@Bob hi', [bob.number]);
    const frame = socket.ops('group.send')[0];
    expect(frame).toMatchObject({ groupId: 200001, text: '@Bob hi', mentions: [bob.number] });
    expect(client.state.get().chat.outbox).toHaveLength(1);
    socket.push({ type: 'group.sent', message: gm(3, alice.number, '@Bob hi', { clientId: frame.clientId as string, mentions: [bob.number] }), duplicate: false, re: frame.id });
    await vi.waitFor(() => expect(client.state.get().chat.outbox).toHaveLength(0));
    expect(client.state.get().chat.groups[200001]).toMatchObject({ lastSeq: 3, readSeq: 3, unread: 0 });
    vi.unstubAllGlobals();
  });
});
