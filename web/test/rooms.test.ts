import { afterEach, describe, expect, it, vi } from 'vitest';
import { PenguinClient } from '../src/client';
import { FakeSocket, MemoryStorage, alice, bob } from './fakes';

afterEach(() => { vi.unstubAllGlobals(); });

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
  client.api.myGroups = async () => ({ groups: [] });
  client.api.user = async (n: number) => ({ ...bob, number: n });
  client.start();
  const socket = FakeSocket.last;
  socket.open();
  socket.push({ type: 'authed', me: alice, settings: {}, sessionId: 1, device: 'web', seq: 0, re: socket.sent[0].id });
  await vi.waitFor(() => expect(client.state.get().me).toBeTruthy());
  return { client, socket };
}

const room = { id: 300001, name: '周末爬山', topic: '户外', creator: alice.number, people: 1, createdAt: '2026-12-01T08:30:15.123+00:00' };
const said = (id: number, from: number, text: string) => ({ id, roomId: 300001, from, text, sentAt: '2026-12-01T08:30:15.123+00:00' });

describe('chat rooms', () => {
  it('enter shows the recent messages; people and messages follow live; a removal closes the composer', async () => {
    const { client, socket } = await connected();
    const entering = client.enterRoom(300001);
    const enter = socket.ops('room.enter')[0];
    socket.push({ type: 'room.entered', room, people: [alice.number], recent: [said(1, bob.number, '有人吗')], re: enter.id });
    await entering;
    expect(client.rooms.get()[300001].messages.map((m) => m.text)).toEqual(['有人吗']);
    socket.push({ type: 'room.person.entered', roomId: 300001, number: bob.number, people: 2 });
    socket.push({ type: 'room.message', message: said(2, bob.number, 'hi') });
    expect(client.rooms.get()[300001]).toMatchObject({ people: [alice.number, bob.number], room: { people: 2 } });
    expect(client.rooms.get()[300001].messages).toHaveLength(2);
    socket.push({ type: 'room.person.left', roomId: 300001, number: bob.number, reason: 'left', people: 1 });
    expect(client.rooms.get()[300001].people).toEqual([alice.number]);
    socket.push({ type: 'room.removed', roomId: 300001, reason: 'kicked', by: bob.number });
    expect(client.rooms.get()[300001].out).toBe('kicked');
  });

  it('after a reconnect the page enters its rooms again (being inside belongs to the connection)', async () => {
    const { client, socket } = await connected();
    const entering = client.enterRoom(300001);
    socket.push({ type: 'room.entered', room, people: [alice.number], recent: [], re: socket.ops('room.enter')[0].id });
    await entering;
    vi.useFakeTimers();
    socket.close(1006);
    vi.advanceTimersByTime(2000);
    vi.useRealTimers();
    const again = FakeSocket.last;
    expect(again).not.toBe(socket);
    again.open();
    again.push({ type: 'authed', me: alice, settings: {}, sessionId: 1, device: 'web', seq: 0, re: again.sent[0].id });
    await vi.waitFor(() => expect(again.ops('room.enter')).toHaveLength(1));
  });
});
