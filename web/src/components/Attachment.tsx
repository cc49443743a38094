import { useEffect, useState } from 'react';
import type { Api } from '../api';
import { useI18n } from '../i18n';
import type { Attachment as AttachmentInfo } from '../protocol';
import { fileUrl, formatSize, type UploadView } from '../upload';

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
    if (!(picture && a.preview) && !audio) return;
    let live = true;
    fileUrl(api, a.fileId, picture).then((u) => { if (live) setSrc(u); }, () => { if (live) setFailed(true); });
    return () => { live = false; };
  }, [api, a.fileId, a.preview, picture, audio]);

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
      {audio && src && <audio controls src={src} aria-label={t('voice', { name: a.name })} />}
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
