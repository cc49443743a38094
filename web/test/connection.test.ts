import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Connection, RequestError, type ConnectionHandlers } from '../src/connection';
import { FakeSocket, alice } from './fakes';

const settings = { addPolicy: 'verify', showSignature: true, showGender: true, showBirthday: false, showRegion: true, allowStrangerMessages: false };

function setup(cursor = { value: 0 }) {
  const handlers = { authed: vi.fn(), frame: vi.fn(), state: vi.fn(), ended: vi.fn() } satisfies ConnectionHandlers;
  const c = new Connection('ws://x/ws?v=1', 'tok', () => cursor.value, () => 'away', handlers, (u) => new FakeSocket(u) as unknown as WebSocket);
  return { c, handlers, cursor };
}

function authOk(s: FakeSocket, seq: number) {
  const auth = s.ops('auth').at(-1)!;
  s.push({ type: 'authed', me: alice, settings, sessionId: 1, device: 'web', seq, re: auth.id });
}

beforeEach(() => { FakeSocket.instances = []; vi.useFakeTimers(); vi.stubGlobal('WebSocket', FakeSocket); });
afterEach(() => { vi.useRealTimers(); vi.unstubAllGlobals(); });

describe('the connection', () => {
  it('authenticates first without a cursor, then resumes with its cursor after a drop', () => {
    const { c, handlers, cursor } = setup();
    c.start();
    FakeSocket.last.open();
    expect(FakeSocket.last.sent[0]).toMatchObject({ op: 'auth', token: 'tok', status: 'away' });
    expect(FakeSocket.last.sent[0].since).toBeUndefined();
    authOk(FakeSocket.last, 5);
    expect(handlers.authed).toHaveBeenCalledWith(expect.objectContaining({ seq: 5 }), false);
    expect(c.isAuthenticated).toBe(true);

    cursor.value = 7;
    FakeSocket.last.close(1006);
    expect(handlers.state).toHaveBeenLastCalledWith('reconnecting');
    expect(c.isAuthenticated).toBe(false);
    vi.advanceTimersByTime(400);
    expect(FakeSocket.instances).toHaveLength(2);
    FakeSocket.last.open();
    expect(FakeSocket.last.sent[0]).toMatchObject({ op: 'auth', since: 7 });
    authOk(FakeSocket.last, 9);
    expect(handlers.authed).toHaveBeenLastCalledWith(expect.objectContaining({ seq: 9 }), true);
    expect(handlers.state).toHaveBeenLastCalledWith('online');
  });

  it('matches replies to requests and rejects errors and drops', async () => {
    const { c } = setup();
    c.start();
    FakeSocket.last.open();
    authOk(FakeSocket.last, 0);
    const ok = c.request({ op: 'presence.set', status: 'busy' });
    const bad = c.request({ op: 'msg.recall', messageId: 3 });
    const lost = c.request({ op: 'msg.read', peer: 2, seq: 1 });
    const [a, b] = FakeSocket.last.sent.slice(1);
    FakeSocket.last.push({ type: 'error', code: 'recall_expired', message: 'late', messageZh: '晚了', re: b.id });
    FakeSocket.last.push({ type: 'ok', re: a.id });
    await expect(ok).resolves.toMatchObject({ type: 'ok' });
    await expect(bad).rejects.toMatchObject({ code: 'recall_expired', messageZh: '晚了' });
    FakeSocket.last.close(1006);
    await expect(lost).rejects.toBeInstanceOf(RequestError);
  });

  it('stops for good when the session is logged out (4001) or the token is refused', () => {
    const { c, handlers } = setup();
    c.start();
    FakeSocket.last.open();
    authOk(FakeSocket.last, 0);
    FakeSocket.last.push({ type: 'session.ended', code: 'session_revoked', message: 'This device was logged out.', messageZh: '此设备已退出登录。' });
    FakeSocket.last.close(4001);
    expect(handlers.ended).toHaveBeenCalledWith('session_revoked', 'This device was logged out.', '此设备已退出登录。');
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.instances).toHaveLength(1);

    const second = setup();
    second.c.start();
    FakeSocket.last.open();
    const auth = FakeSocket.last.ops('auth')[0];
    FakeSocket.last.push({ type: 'error', code: 'invalid_token', message: 'bad', messageZh: '无效', re: auth.id });
    expect(second.handlers.ended).toHaveBeenCalledWith('session_revoked', 'bad', '无效');
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.instances).toHaveLength(2);
  });

  it('pings while connected', () => {
    const { c } = setup();
    c.start();
    FakeSocket.last.open();
    authOk(FakeSocket.last, 0);
    vi.advanceTimersByTime(25_000);
    expect(FakeSocket.last.ops('ping')).toHaveLength(1);
  });
});
