import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Api } from '../src/api';
import { PenguinClient } from '../src/client';
import { FakeSocket, MemoryStorage, alice, bob, msg } from './fakes';

const settings = { addPolicy: 'verify', showSignature: true, showGender: true, showBirthday: false, showRegion: true, allowStrangerMessages: false };

function fakeApi() {
  const api = new Api('/api/v1', 'tok');
  api.friends = vi.fn(async () => ({ groups: [{ id: 1, name: '我的好友', position: 0, isDefault: true }], friends: [
    { profile: bob, groupId: 1, presence: { number: bob.number, status: 'offline' as const, devices: [] } }] }));
  api.friendRequests = vi.fn(async () => ({ incoming: [], outgoing: [] }));
  api.blocks = vi.fn(async () => ({ blocked: [] }));
  api.conversations = vi.fn(async () => ({ conversations: [] }));
  return api;
}

async function connected(storage = new MemoryStorage()) {
  storage.setItem('penguin.session', JSON.stringify({ token: 'tok', number: alice.number, sessionId: 1 }));
  const client = new PenguinClient(storage, 'ws://x/ws?v=1', fakeApi());
  client.start();
  FakeSocket.last.open();
  authed(FakeSocket.last, 2);
  await vi.waitFor(() => expect(client.state.get().friends[bob.number]).toBeDefined());
  return { client, storage };
}

function authed(s: FakeSocket, seq: number) {
  const auth = s.ops('auth').at(-1)!;
  s.push({ type: 'authed', me: alice, settings, sessionId: 1, device: 'web', seq, re: auth.id });
}

beforeEach(() => { FakeSocket.instances = []; vi.stubGlobal('WebSocket', FakeSocket); });
afterEach(() => { vi.useRealTimers(); vi.unstubAllGlobals(); });

describe('the client', () => {
  it('loads the state over REST after the first auth and applies events that came meanwhile', async () => {
    const { client } = await connected();
    FakeSocket.last.push({ type: 'message', message: msg(1, bob.number, alice.number, 1), seq: 3 });
    expect(client.state.get().conversations[bob.number].unread).toBe(1);
    expect(client.state.get().cursor).toBe(3);
    await vi.waitFor(() => expect(FakeSocket.last.ops('ack').at(-1)).toMatchObject({ seq: 3 }));
  });

  it('a message typed offline waits in the outbox and is sent once with its client id when the connection is back', async () => {
    const { client, storage } = await connected();
    const first = FakeSocket.last;
    first.close(1006);
    const p = client.send(bob.number, '断线时写的');
    expect(first.ops('msg.send')).toHaveLength(0);
    expect(JSON.parse(storage.getItem(`penguin.outbox.${alice.number}`)!)).toEqual([expect.objectContaining({ clientId: p.clientId, text: '断线时写的' })]);

    await vi.waitFor(() => expect(FakeSocket.instances.length).toBe(2), { timeout: 2000 });
    const second = FakeSocket.last;
    second.open();
    expect(second.sent[0]).toMatchObject({ op: 'auth', since: 2 });
    authed(second, 2);
    const sends = second.ops('msg.send');
    expect(sends).toEqual([expect.objectContaining({ to: bob.number, clientId: p.clientId, text: '断线时写的' })]);

    // The reply is lost with the connection: the retry carries the same client id.
    second.close(1006);
    await vi.waitFor(() => expect(FakeSocket.instances.length).toBe(3), { timeout: 2000 });
    const third = FakeSocket.last;
    third.open();
    authed(third, 3);
    const stored = msg(9, alice.number, bob.number, 1, '断线时写的', p.clientId);
    third.push({ type: 'message', message: stored, seq: 3 });
    const retry = third.ops('msg.send')[0];
    expect(retry.clientId).toBe(p.clientId);
    third.push({ type: 'msg.sent', message: stored, duplicate: true, re: retry.id });
    expect(client.state.get().outbox).toEqual([]);
    expect(client.state.get().histories[bob.number].items.filter((m) => m.clientId === p.clientId)).toHaveLength(1);
    expect(JSON.parse(storage.getItem(`penguin.outbox.${alice.number}`)!)).toEqual([]);
  });

  it('announces live messages from others once, not replayed ones or its own', async () => {
    const { client } = await connected();
    const heard: number[] = [];
    client.onIncoming = (m) => heard.push(m.id);
    FakeSocket.last.push({ type: 'message', message: msg(1, bob.number, alice.number, 1), seq: 3 });
    FakeSocket.last.push({ type: 'message', message: msg(1, bob.number, alice.number, 1), seq: 3 });
    FakeSocket.last.push({ type: 'message', message: msg(2, alice.number, bob.number, 2), seq: 4 });
    expect(heard).toEqual([1]);
    FakeSocket.last.close(1006);
    await vi.waitFor(() => expect(FakeSocket.instances.length).toBe(2), { timeout: 2000 });
    FakeSocket.last.open();
    authed(FakeSocket.last, 6);
    FakeSocket.last.push({ type: 'message', message: msg(3, bob.number, alice.number, 3), seq: 5 });
    FakeSocket.last.push({ type: 'message', message: msg(4, bob.number, alice.number, 4), seq: 6 });
    FakeSocket.last.push({ type: 'message', message: msg(5, bob.number, alice.number, 5), seq: 7 });
    expect(heard).toEqual([1, 5]);
    expect(client.state.get().conversations[bob.number].unread).toBe(3);
  });

  it('a refused message is marked failed and not retried', async () => {
    const { client } = await connected();
    const p = client.send(bob.number, 'hi');
    const send = FakeSocket.last.ops('msg.send')[0];
    FakeSocket.last.push({ type: 'error', code: 'message_refused', message: 'no', messageZh: '不行', re: send.id });
    await vi.waitFor(() => expect(client.state.get().outbox[0].failed?.code).toBe('message_refused'));
    expect(client.state.get().outbox[0].clientId).toBe(p.clientId);
  });

  it('a session replaced by another tab keeps its token and can take over', async () => {
    const { client, storage } = await connected();
    FakeSocket.last.push({ type: 'session.ended', code: 'session_replaced', message: 'elsewhere', messageZh: '别处' });
    FakeSocket.last.close(4002);
    expect(client.session.get()).not.toBeNull();
    expect(storage.getItem('penguin.session')).not.toBeNull();
    expect(client.state.get().connectivity).toBe('ended');
    const sockets = FakeSocket.instances.length;
    client.takeOver();
    expect(FakeSocket.instances.length).toBe(sockets + 1);
    expect(client.ended.get()).toBeNull();
  });

  it('forgets the session when it is logged out elsewhere', async () => {
    const { client, storage } = await connected();
    FakeSocket.last.push({ type: 'session.ended', code: 'session_revoked', message: 'out', messageZh: '已退出' });
    expect(client.session.get()).toBeNull();
    expect(storage.getItem('penguin.session')).toBeNull();
    expect(client.ended.get()?.code).toBe('session_revoked');
  });
});
