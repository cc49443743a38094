import type { Message } from '../src/protocol';

/** A WebSocket stand-in: records what the client sends, lets a test push frames and close. */
export class FakeSocket {
  static instances: FakeSocket[] = [];
  static readonly OPEN = 1;
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  constructor(public url: string) { FakeSocket.instances.push(this); }
  static get last() { return FakeSocket.instances[FakeSocket.instances.length - 1]; }
  send(data: string) { this.sent.push(JSON.parse(data)); }
  close(code = 1000) { if (this.readyState === 3) return; this.readyState = 3; this.onclose?.({ code }); }
  open() { this.readyState = 1; this.onopen?.(); }
  push(frame: object) { this.onmessage?.({ data: JSON.stringify(frame) }); }
  ops(op: string) { return this.sent.filter((f) => f.op === op); }
}

export class MemoryStorage implements Storage {
  private map = new Map<string, string>();
  get length() { return this.map.size; }
  clear() { this.map.clear(); }
  getItem(key: string) { return this.map.has(key) ? this.map.get(key)! : null; }
  key(i: number) { return [...this.map.keys()][i] ?? null; }
  removeItem(key: string) { this.map.delete(key); }
  setItem(key: string, value: string) { this.map.set(key, value); }
}

export function msg(id: number, from: number, to: number, seq: number, text = `m${id}`, clientId = `c${id}`): Message {
  return { id, from, to, seq, clientId, sentAt: new Date(Date.UTC(2026, 10, 22, 6, 0, id)).toISOString(), text, recalled: false };
}

export const alice = { number: 10001, nickname: 'Alice 爱丽丝', avatar: 'penguin-07', gender: 'unknown' as const };
export const bob = { number: 10002, nickname: 'Bob', avatar: 'penguin-04', gender: 'unknown' as const };
