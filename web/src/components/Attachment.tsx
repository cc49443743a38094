import { useEffect, useRef, useState } from 'react';
import type { Api } from '../api';
import type { SentFile } from '../client';
import { useI18n, type Translate } from '../i18n';
import type { Attachment as AttachmentInfo } from '../protocol';
import { audioDuration, fileUrl, formatDuration, formatSize, Upload, type UploadView } from '../upload';

/** A file message's one-line preview in lists: [Picture], [Voice] 0:07, [File] name. */
export function attachmentPreview(t: Translate, a: AttachmentInfo): string {
  if (a.contentType.startsWith('image/')) return t('picturePreview');
  if (a.contentType.startsWith('audio/')) return t('voicePreview', { duration: a.durationMs !== undefined ? formatDuration(a.durationMs) : '' }).trim();
  return t('filePreview', { name: a.name });
}

/**
 * Files picked, pasted or dropped into a chat (1:1 or group): each is uploaded (resumable, §10.1) and handed
 * to `send` once stored, with a voice clip's length; the list shows progress, Resume and Cancel.
 */
export function useUploads(api: Api, send: (file: SentFile) => void) {
  const [uploads, setUploads] = useState<UploadView[]>([]);
  const running = useRef(new Map<string, Upload>());
  const sendRef = useRef(send);
  sendRef.current = send;

  async function run(up: Upload) {
    try {
      const [stored, durationMs] = await Promise.all([up.run(), audioDuration(up.file)]);
      running.current.delete(up.view.key);
      setUploads((list) => list.filter((x) => x.key !== up.view.key));
      sendRef.current({ id: stored.id, name: stored.name, ...(durationMs !== undefined && stored.contentType.startsWith('audio/') ? { durationMs } : {}) });
    } catch { /* shown in the list, with Resume */ }
  }
  function attach(files: FileList | File[]) {
    for (const file of Array.from(files)) {
      const up = new Upload(api, file, (v) => setUploads((list) => list.some((x) => x.key === v.key) ? list.map((x) => (x.key === v.key ? v : x)) : [...list, v]));
      running.current.set(up.view.key, up);
      setUploads((list) => [...list, up.view]);
      void run(up);
    }
  }
  function cancel(key: string) {
    void running.current.get(key)?.cancel();
    running.current.delete(key);
    setUploads((list) => list.filter((x) => x.key !== key));
  }
  function resume(key: string) { const up = running.current.get(key); if (up) void run(up); }
  return { uploads, attach, cancel, resume };
}

/**
 * A voice clip: one button plays and pauses it, with its length (`durationMs`, else what the audio says).
 * The bytes are fetched with the token on the first play, into a blob: URL (CSP media-src blob:).
 */
export function VoicePlayer({ api, a }: { api: Api; a: AttachmentInfo }) {
  const { t } = useI18n();
  const audio = useRef<HTMLAudioElement>(null);
  const [src, setSrc] = useState<string | null>(null);
  const [playing, setPlaying] = useState(false);
  const [at, setAt] = useState(0);
  const [length, setLength] = useState<number | undefined>(a.durationMs);
  const [failed, setFailed] = useState(false);
  const duration = length !== undefined ? formatDuration(length) : '–:––';

  async function toggle() {
    const el = audio.current;
    if (!el) return;
    if (playing) { el.pause(); return; }
    try {
      if (!src) { const url = await fileUrl(api, a.fileId, false); el.src = url; setSrc(url); }
      await el.play();
    } catch { setFailed(true); }
  }

  const width = length ? Math.min(100, Math.round((at / length) * 100)) : 0;
  return (
    <span className="voice" data-testid="voice" data-playing={playing} data-duration-ms={length ?? ''}>
      <button type="button" className="voice-play" onClick={() => void toggle()}
        aria-label={playing ? t('pauseVoice') : t('playVoice', { duration })}>
        <span aria-hidden="true">{playing ? '⏸' : '▶'}</span> {t('voiceClip', { duration })}
      </button>
      <span className="voice-bar" aria-hidden="true"><span style={{ width: `${width}%` }} /></span>
      <audio ref={audio} preload="none" data-testid="voice-audio"
        onPlay={() => setPlaying(true)} onPause={() => setPlaying(false)} onEnded={() => { setPlaying(false); setAt(0); }}
        onTimeUpdate={(e) => setAt(e.currentTarget.currentTime * 1000)}
        onLoadedMetadata={(e) => { const ms = e.currentTarget.duration * 1000; if (length === undefined && Number.isFinite(ms)) setLength(Math.round(ms)); }}
        onError={() => { if (src) setFailed(true); }} />
      {failed && <span className="error small" role="alert">✕</span>}
    </span>
  );
}

/**
 * A message's file: a picture shows its server preview inline, a voice clip an audio player, anything else a
 * download link. The bytes are fetched with the token into blob: URLs (a plain <img src> cannot send it).
 */
export function Attachment({ api, a }: { api: Api; a: AttachmentInfo }) {
  const { t } = useI18n();
  const picture = a.contentType.startsWith('image/');
  const audio = a.contentType.startsWith('audio/');
  const [src, setSrc] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (!(picture && a.preview)) return;
    let live = true;
    fileUrl(api, a.fileId, true).then((u) => { if (live) setSrc(u); }, () => { if (live) setFailed(true); });
    return () => { live = false; };
  }, [api, a.fileId, a.preview, picture]);

  async function download() {
    try {
      const url = await fileUrl(api, a.fileId, false);
      const link = document.createElement('a');
      link.href = url;
      link.download = a.name;
      link.rel = 'noopener';
      document.body.appendChild(link);
      link.click();
      link.remove();
    } catch { setFailed(true); }
  }

  const scale = a.width && a.height ? Math.min(1, 240 / Math.max(a.width, a.height)) : 1;
  return (
    <div className="attachment" data-testid="attachment" data-kind={picture ? 'picture' : audio ? 'audio' : 'file'}>
      {picture && src && (
        <button type="button" className="picture" onClick={() => void download()} aria-label={t('download', { name: a.name })}>
          <img src={src} alt={t('picture', { name: a.name })} data-testid="preview"
            width={a.width ? Math.round(a.width * scale) : undefined} height={a.height ? Math.round(a.height * scale) : undefined} />
        </button>
      )}
      {audio && <VoicePlayer api={api} a={a} />}
      <button type="button" className="link file-link" onClick={() => void download()} aria-label={t('download', { name: a.name })} data-testid="download">
        📄 {a.name} <span className="muted small">{formatSize(a.size)}</span>
      </button>
      {failed && <span className="error small" role="alert">✕</span>}
    </div>
  );
}

/** Uploads in progress under the composer: a progress bar each, resume after a drop, cancel. */
export function UploadList({ uploads, onResume, onCancel }: { uploads: UploadView[]; onResume(key: string): void; onCancel(key: string): void }) {
  const { t, lang } = useI18n();
  if (uploads.length === 0) return null;
  return (
    <ul className="uploads" aria-live="polite">
      {uploads.map((u) => {
        const percent = u.size ? Math.floor((u.sent / u.size) * 100) : 100;
        return (
          <li key={u.key} className={`upload upload-${u.phase}`} data-testid="upload" data-phase={u.phase}>
            <span className="small">
              {u.phase === 'failed' && u.error ? t('uploadFailed', { name: u.name, message: lang === 'zh' ? u.error.messageZh : u.error.message })
                : u.phase === 'paused' ? t('uploadPaused', { name: u.name, percent }) : t('uploading', { name: u.name, percent })}
            </span>
            <progress max={100} value={percent} aria-label={t('uploading', { name: u.name, percent })} />
            {(u.phase === 'paused' || u.phase === 'failed') && <button type="button" className="link" onClick={() => onResume(u.key)}>{t('resume')}</button>}
            <button type="button" className="link" onClick={() => onCancel(u.key)}>{t('cancelUpload')}</button>
          </li>
        );
      })}
    </ul>
  );
}
