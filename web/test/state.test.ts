import { describe, expect, it } from 'vitest';
import type { DurableEvent } from '../src/protocol';
import {
  applyConversations, applyEvent, buddyGroups, emptyState, messageState, totalUnread, type ChatState,
} from '../src/state';
import { alice, bob, msg } from './fakes';

const base = (): ChatState => ({ ...emptyState(), me: alice });
const apply = (s: ChatState, ...events: DurableEvent[]) => events.reduce(applyEvent, s);

describe('applying events', () => {
  it('counts a message from the peer as unread and moves the cursor', () => {
    const s = apply(base(), { type: 'message', message: msg(1, bob.number, alice.number, 1), seq: 3 });
    expect(s.conversations[bob.number]).toMatchObject({ lastSeq: 1, readSeq: 0, unread: 1, peerReadSeq: 1 });
    expect(s.cursor).toBe(3);
    expect(totalUnread(s)).toBe(1);
    expect(s.histories[bob.number].items.map((m) => m.id)).toEqual([1]);
  });

  it('an own message reads the conversation and confirms the pending send with its client id', () => {
    let s: ChatState = { ...base(), outbox: [{ clientId: 'c5', to: bob.number, text: 'hi', createdAt: '' }] };
    s = apply(s, { type: 'message', message: msg(4, bob.number, alice.number, 1), seq: 1 },
      { type: 'message', message: msg(5, alice.number, bob.number, 2, 'hi', 'c5'), seq: 2 });
    expect(s.outbox).toEqual([]);
    expect(s.conversations[bob.number]).toMatchObject({ lastSeq: 2, readSeq: 2, unread: 0 });
  });

  it('is idempotent: the same events twice give the same state', () => {
    const events: DurableEvent[] = [
      { type: 'message', message: msg(1, bob.number, alice.number, 1), seq: 1 },
      { type: 'message', message: msg(2, alice.number, bob.number, 2), seq: 2 },
      { type: 'message.receipt', peer: bob.number, deliveredSeq: 2, readSeq: 1, seq: 3 },
    ];
    const once = apply(base(), ...events);
    const twice = apply(once, ...events);
    expect(twice.conversations).toEqual(once.conversations);
    expect(twice.histories).toEqual(once.histories);
  });

  it('receipts and read cursors never move back', () => {
    let s = apply(base(), { type: 'message', message: msg(1, alice.number, bob.number, 1), seq: 1 },
      { type: 'message', message: msg(2, alice.number, bob.number, 2), seq: 2 },
      { type: 'message.receipt', peer: bob.number, deliveredSeq: 2, readSeq: 2, seq: 3 });
    s = apply(s, { type: 'message.receipt', peer: bob.number, deliveredSeq: 1, readSeq: 0, seq: 4 });
    expect(s.conversations[bob.number]).toMatchObject({ peerDeliveredSeq: 2, peerReadSeq: 2 });
    const c = s.conversations[bob.number];
    expect(messageState(c, msg(2, alice.number, bob.number, 2))).toBe('read');
  });

  it('sent, delivered, read follow the peer cursors', () => {
    const c = { peer: 2, lastSeq: 3, readSeq: 3, unread: 0, peerDeliveredSeq: 2, peerReadSeq: 1, updatedAt: '' };
    expect(messageState(c, msg(1, 1, 2, 1))).toBe('read');
    expect(messageState(c, msg(2, 1, 2, 2))).toBe('delivered');
    expect(messageState(c, msg(3, 1, 2, 3))).toBe('sent');
  });

  it('conversation.read from another device clears the badge', () => {
    let s = apply(base(), { type: 'message', message: msg(1, bob.number, alice.number, 1), seq: 1 },
      { type: 'message', message: msg(2, bob.number, alice.number, 2), seq: 2 });
    expect(s.conversations[bob.number].unread).toBe(2);
    s = apply(s, { type: 'conversation.read', peer: bob.number, readSeq: 2, seq: 3 });
    expect(s.conversations[bob.number].unread).toBe(0);
  });

  it('a recall drops the text everywhere; a delete removes the message from view', () => {
    let s = apply(base(), { type: 'message', message: msg(1, bob.number, alice.number, 1), seq: 1 },
      { type: 'message', message: msg(2, bob.number, alice.number, 2, 'secret'), seq: 2 });
    s = apply(s, { type: 'message.recalled', peer: bob.number, id: 2, messageSeq: 2, seq: 3 });
    expect(s.histories[bob.number].items[1]).toMatchObject({ recalled: true, text: undefined });
    expect(s.conversations[bob.number].last).toMatchObject({ id: 2, recalled: true });
    expect(s.conversations[bob.number].unread).toBe(2);
    s = apply(s, { type: 'message.deleted', peer: bob.number, id: 2, seq: 4 });
    expect(s.histories[bob.number].items.map((m) => m.id)).toEqual([1]);
    expect(s.conversations[bob.number].last?.id).toBe(1);
  });

  it('friends come and go, requests close when the friendship starts', () => {
    let s = apply(base(), {
      type: 'friend.request', seq: 1,
      request: { id: 7, from: bob, to: alice, message: 'hi', state: 'pending', createdAt: '2026-11-22T05:33:33.779+00:00' },
    });
    s = apply(s, { type: 'friend.added', profile: bob, groupId: 1, seq: 2 });
    expect(s.requests[7].state).toBe('accepted');
    expect(s.friends[bob.number].profile.nickname).toBe('Bob');
    s = apply(s, { type: 'friend.updated', number: bob.number, groupId: 1, remark: '小波', seq: 3 });
    expect(s.friends[bob.number].remark).toBe('小波');
    s = apply(s, { type: 'friend.removed', number: bob.number, seq: 4 });
    expect(s.friends[bob.number]).toBeUndefined();
  });
});

describe('the buddy list', () => {
  it('groups friends, online first, and counts online/total like 我的好友 (1/2)', () => {
    let s = apply(base(), { type: 'buddygroups.changed', seq: 1, groups: [
      { id: 4, name: '同学', position: 1, isDefault: false }, { id: 1, name: '我的好友', position: 0, isDefault: true },
    ] });
    const carol = { ...bob, number: 10003, nickname: 'Carol' };
    const dave = { ...bob, number: 10004, nickname: 'Aaron' };
    s = apply(s, { type: 'friend.added', profile: bob, groupId: 1, seq: 2 }, { type: 'friend.added', profile: dave, groupId: 1, seq: 3 },
      { type: 'friend.added', profile: carol, groupId: 4, seq: 4 });
    s = { ...s, presence: { [bob.number]: { number: bob.number, status: 'busy', devices: ['mobile'] } } };
    const groups = buddyGroups(s);
    expect(groups.map((g) => [g.group.name, g.online, g.friends.length])).toEqual([['我的好友', 1, 2], ['同学', 0, 1]]);
    expect(groups[0].friends.map((f) => f.profile.nickname)).toEqual(['Bob', 'Aaron']);
  });
});

describe('the conversation list from REST', () => {
  it('takes the server numbers but never lowers what events already raised', () => {
    let s = apply(base(), { type: 'message', message: msg(3, bob.number, alice.number, 3), seq: 9 });
    s = applyConversations(s, [{ peer: bob.number, lastSeq: 2, readSeq: 1, unread: 1, peerDeliveredSeq: 2, peerReadSeq: 2, updatedAt: '2026-11-22T06:00:00+00:00', last: msg(2, bob.number, alice.number, 2) }]);
    expect(s.conversations[bob.number]).toMatchObject({ lastSeq: 3, readSeq: 1, unread: 2 });
    expect(s.conversations[bob.number].last?.id).toBe(3);
  });
});

describe('merging history', () => {
  it('appends, replaces by id and keeps seq order', async () => {
    const { mergeMessages } = await import('../src/state');
    let items = mergeMessages([], [msg(2, 1, 2, 2)]);
    items = mergeMessages(items, [msg(3, 1, 2, 3)]);
    items = mergeMessages(items, [msg(1, 1, 2, 1)]);
    items = mergeMessages(items, [{ ...msg(2, 1, 2, 2), recalled: true, text: undefined }]);
    expect(items.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(items[1].recalled).toBe(true);
    expect(mergeMessages(items, [msg(3, 1, 2, 3)]).map((m) => m.id)).toEqual([1, 2, 3]);
  });
});
