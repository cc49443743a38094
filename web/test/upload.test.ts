import { afterEach, describe, expect, it, vi } from 'vitest';
import { Api } from '../src/api';
import { contentTypeOf, sha256Hex, Upload, CHUNK_BYTES, type UploadView } from '../src/upload';

const ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

afterEach(() => { vi.unstubAllGlobals(); });

describe('hashing', () => {
  it('hashes with Web Crypto, and with the streaming hash where Web Crypto is missing', async () => {
    expect(await sha256Hex(new Blob(['abc']))).toBe(ABC);
    vi.stubGlobal('crypto', {});
    expect(await sha256Hex(new Blob(['abc']))).toBe(ABC);
  });

  it('sends a MIME type the server takes', () => {
    expect(contentTypeOf({ type: 'image/png' })).toBe('image/png');
    expect(contentTypeOf({ type: 'text/plain;charset=utf-8' })).toBe('text/plain');
    expect(contentTypeOf({ type: '' })).toBe('application/octet-stream');
    expect(contentTypeOf({ type: 'weird' })).toBe('application/octet-stream');
  });
});

/** The upload endpoints of §10.1 in memory: confirmed offset, 409 with Upload-Offset, HEAD, complete. */
function fakeServer(opts: { dropAt?: number; known?: boolean } = {}) {
  let offset = 0;
  let size = 0;
  let dropped = false;
  const puts: number[] = [];
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
  const fetch = vi.fn(async (url: string, init: RequestInit & { headers: Record<string, string> }) => {
    const path = url.replace('/api/v1', '');
    if (init.method === 'POST' && path === '/uploads') {
      const body = JSON.parse(init.body as string);
      size = body.size;
      if (opts.known) return json(200, { file: { id: 'f1', name: body.name, size } });
      return json(201, { upload: { id: 'u1', offset: 0 } });
    }
    if (init.method === 'PUT') {
      const at = Number(init.headers['Upload-Offset']);
      puts.push(at);
      if (opts.dropAt !== undefined && at === opts.dropAt && !dropped) { dropped = true; throw new TypeError('Failed to fetch'); }
      if (at !== offset) return json(409, { error: { code: 'upload_offset_mismatch', message: 'x', messageZh: 'x' } }, { 'Upload-Offset': String(offset) });
      offset += (init.body as Blob).size;
      return json(200, { id: 'u1', offset }, { 'Upload-Offset': String(offset) });
    }
    if (init.method === 'HEAD') return new Response(null, { status: 200, headers: { 'Upload-Offset': String(offset), 'Upload-Length': String(size) } });
    if (init.method === 'POST' && path === '/uploads/u1/complete') {
      if (offset !== size) return json(409, { error: { code: 'upload_incomplete', message: 'x', messageZh: 'x' } });
      return json(200, { id: 'f1', name: 'x', size });
    }
    return json(404, { error: { code: 'not_found', message: 'x', messageZh: 'x' } });
  });
  vi.stubGlobal('fetch', fetch);
  return { puts, get offset() { return offset; } };
}

describe('uploads', () => {
  it('sends the file in chunks from the confirmed offset and completes', async () => {
    const server = fakeServer();
    const views: UploadView[] = [];
    const file = new File([new Uint8Array(CHUNK_BYTES * 2 + 10)], 'big.bin');
    const stored = await new Upload(new Api('/api/v1', 't'), file, (v) => views.push(v)).run();
    expect(stored.id).toBe('f1');
    expect(server.puts).toEqual([0, CHUNK_BYTES, CHUNK_BYTES * 2]);
    expect(views[views.length - 1]).toMatchObject({ phase: 'done', sent: file.size });
    expect(views.some((v) => v.phase === 'uploading' && v.sent === CHUNK_BYTES)).toBe(true);
  });

  it('after a dropped chunk asks the server where it stands and goes on from there, never from 0', async () => {
    const server = fakeServer({ dropAt: CHUNK_BYTES });
    const phases: string[] = [];
    const file = new File([new Uint8Array(CHUNK_BYTES + 5)], 'drop.bin');
    await new Upload(new Api('/api/v1', 't'), file, (v) => phases.push(v.phase)).run();
    expect(server.puts).toEqual([0, CHUNK_BYTES, CHUNK_BYTES]);
    expect(phases).toContain('paused');
    expect(server.offset).toBe(file.size);
  });

  it('bytes the server already holds are done at once, nothing sent', async () => {
    const server = fakeServer({ known: true });
    const stored = await new Upload(new Api('/api/v1', 't'), new File(['hello'], 'a.txt'), () => {}).run();
    expect(stored.id).toBe('f1');
    expect(server.puts).toEqual([]);
  });
});
