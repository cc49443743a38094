import { Api, ApiError } from './api';
import type { StoredFile } from './protocol';

/** Chunks of 4 MiB (§10.1: "4–16 MiB is a good choice"); progress moves once per confirmed chunk. */
export const CHUNK_BYTES = 4 * 1024 * 1024;
/** Up to this size the browser's SHA-256 hashes the file in one call; above it, a streaming hash reads it in chunks. */
const ONE_SHOT_HASH_BYTES = 64 * 1024 * 1024;
const RETRY_DELAYS = [500, 1000, 2000, 4000, 8000];

export type UploadPhase = 'hashing' | 'uploading' | 'completing' | 'paused' | 'done' | 'failed';
export interface UploadView {
  key: string; name: string; size: number; sent: number; phase: UploadPhase;
  error?: { message: string; messageZh: string };
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * The lowercase hex SHA-256 of a file. Web Crypto's digest is not incremental, so a large file (or a page
 * without Web Crypto, e.g. plain HTTP on a LAN address) goes through @noble/hashes chunk by chunk, loaded
 * only then so it costs nothing at first load.
 */
export async function sha256Hex(file: Blob, onProgress?: (hashed: number) => void): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle && file.size <= ONE_SHOT_HASH_BYTES) {
    const digest = await subtle.digest('SHA-256', new Uint8Array(await file.arrayBuffer()));
    onProgress?.(file.size);
    return hex(new Uint8Array(digest));
  }
  const { sha256 } = await import('@noble/hashes/sha2.js');
  const hash = sha256.create();
  for (let at = 0; at < file.size; at += CHUNK_BYTES) {
    hash.update(new Uint8Array(await file.slice(at, at + CHUNK_BYTES).arrayBuffer()));
    onProgress?.(Math.min(file.size, at + CHUNK_BYTES));
  }
  return hex(hash.digest());
}

/** A MIME type the server takes (`type/subtype`, no parameters), else application/octet-stream. */
export function contentTypeOf(file: { type: string }): string {
  const type = file.type.split(';')[0].trim().toLowerCase();
  return /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(type) ? type : 'application/octet-stream';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One resumable upload (§10.1): announce (the server may already hold the bytes: done at once), PUT chunks
 * from the confirmed offset, and after a drop ask the server where it stands (HEAD) and go on from there.
 * A chunk is confirmed whole or not at all, so nothing is ever sent twice past the confirmed offset.
 */
export class Upload {
  view: UploadView;
  private uploadId: string | null = null;
  private cancelled = false;
  private abort: AbortController | null = null;

  constructor(private readonly api: Api, readonly file: File, private readonly onChange: (v: UploadView) => void, key = `${Date.now()}-${Math.random()}`) {
    this.view = { key, name: file.name, size: file.size, sent: 0, phase: 'hashing' };
  }

  private set(patch: Partial<UploadView>) {
    this.view = { ...this.view, ...patch };
    this.onChange(this.view);
  }

  /** Runs (or resumes) the upload to the stored file; retries a dropped connection a few times by itself. */
  async run(): Promise<StoredFile> {
    try {
      if (!this.uploadId) {
        this.set({ phase: 'hashing', error: undefined });
        const sha = await sha256Hex(this.file);
        const created = await this.api.createUpload(this.file.name, this.file.size, sha, contentTypeOf(this.file));
        if (created.file) {
          this.set({ phase: 'done', sent: this.file.size });
          return created.file;
        }
        this.uploadId = created.upload.id;
        this.set({ sent: created.upload.offset });
      }
      let failures = 0;
      for (;;) {
        if (this.cancelled) throw new ApiError(0, { code: 'cancelled', message: 'Cancelled.', messageZh: '已取消。' });
        try {
          await this.sendRest();
          this.set({ phase: 'completing' });
          const stored = await this.api.completeUpload(this.uploadId);
          this.set({ phase: 'done', sent: this.file.size });
          return stored;
        } catch (e) {
          // A dropped connection or a busy upload: wait, ask the server for the confirmed offset, go on.
          const transient = e instanceof ApiError && (e.code === 'network' || e.code === 'upload_busy' || e.status >= 500);
          if (!transient || this.cancelled || failures >= RETRY_DELAYS.length) throw e;
          this.set({ phase: 'paused' });
          await sleep(RETRY_DELAYS[failures++]);
          await this.refreshOffset().catch(() => {});
        }
      }
    } catch (e) {
      const body = e instanceof ApiError ? e.body : { message: String(e), messageZh: String(e) };
      this.set({ phase: this.cancelled ? 'failed' : this.uploadId && e instanceof ApiError && e.code === 'network' ? 'paused' : 'failed', error: body });
      throw e;
    }
  }

  /** Where the server stands: `HEAD /uploads/{id}` answers the confirmed offset. */
  async refreshOffset() {
    if (!this.uploadId) return;
    const r = await this.api.raw('HEAD', `/uploads/${this.uploadId}`);
    if (!r.ok) { await Api.json(r); return; }
    const offset = Number(r.headers.get('Upload-Offset'));
    if (Number.isFinite(offset)) this.set({ sent: offset });
  }

  private async sendRest() {
    while (this.view.sent < this.file.size) {
      this.set({ phase: 'uploading' });
      const offset = this.view.sent;
      const chunk = this.file.slice(offset, offset + CHUNK_BYTES);
      this.abort = new AbortController();
      const r = await this.api.raw('PUT', `/uploads/${this.uploadId}`, {
        headers: { 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' }, body: chunk, signal: this.abort.signal,
      });
      if (r.status === 409 && r.headers.get('Upload-Offset') !== null) {
        const body = await r.clone().json().catch(() => null) as { error?: { code?: string } } | null;
        if (body?.error?.code === 'upload_offset_mismatch') { this.set({ sent: Number(r.headers.get('Upload-Offset')) }); continue; }
      }
      const status = await Api.json<{ offset: number }>(r);
      this.set({ sent: status.offset });
    }
  }

  /** Stops and deletes the upload on the server. */
  async cancel() {
    this.cancelled = true;
    this.abort?.abort();
    if (this.uploadId) await this.api.cancelUpload(this.uploadId).catch(() => {});
  }
}

const blobs = new Map<string, Promise<string>>();

/** A blob: URL for a file or its preview, fetched once with the token (downloads need Authorization). */
export function fileUrl(api: Api, fileId: string, preview: boolean): Promise<string> {
  const key = `${fileId}:${preview ? 'p' : 'f'}`;
  let url = blobs.get(key);
  if (!url) {
    url = api.fileBlob(fileId, preview).then((b) => URL.createObjectURL(b));
    url.catch(() => blobs.delete(key));
    blobs.set(key, url);
  }
  return url;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

/** A voice clip's length as m:ss (0:07, 1:30). */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** The longest voice clip the server takes (§10.3 `durationMs`: 0–600000). */
export const MAX_VOICE_MS = 600_000;

/**
 * An audio file's length in ms, read by the browser from its metadata (so a voice clip carries `durationMs`);
 * undefined when the browser cannot tell (not audio, unreadable, or no media support as in tests).
 */
export function audioDuration(file: Blob, timeoutMs = 3000): Promise<number | undefined> {
  if (!file.type.startsWith('audio/') || typeof Audio === 'undefined' || typeof URL.createObjectURL !== 'function') return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const url = URL.createObjectURL(file);
    const audio = new Audio();
    const done = (ms: number | undefined) => { clearTimeout(timer); audio.removeAttribute('src'); URL.revokeObjectURL(url); resolve(ms); };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    audio.preload = 'metadata';
    audio.onloadedmetadata = () => {
      const ms = Math.round(audio.duration * 1000);
      done(Number.isFinite(ms) && ms >= 0 && ms <= MAX_VOICE_MS ? ms : undefined);
    };
    audio.onerror = () => done(undefined);
    audio.src = url;
  });
}
