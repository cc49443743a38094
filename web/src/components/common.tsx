import type { DeviceKind, PresenceStatus, UserPresence } from '../protocol';
import { useI18n, type Lang } from '../i18n';

/** An avatar made from an upload is served by the server at this path (docs/protocol.md §10.8); anything else is built in. */
const uploadedAvatar = /^\/api\/v1\/avatars\/[0-9a-f]{64}$/;

export function Avatar({ avatar, name, size = 40 }: { avatar: string; name: string; size?: 32 | 40 | 56 }) {
  if (uploadedAvatar.test(avatar)) return <img className={`avatar avatar-picture av-size-${size}`} src={avatar} alt="" aria-hidden="true" />;
  const n = Number(/(\d+)$/.exec(avatar)?.[1] ?? '1');
  const initial = [...name.trim()][0] ?? '?';
  return <span className={`avatar av-${((n - 1) % 12) + 1} av-size-${size}`} aria-hidden="true">{initial}</span>;
}

export function StatusDot({ status }: { status: PresenceStatus }) {
  const { t } = useI18n();
  return <span className={`dot dot-${status}`} role="img" aria-label={t(`status_${status}`)} title={t(`status_${status}`)} />;
}

const deviceIcon: Record<DeviceKind, string> = { pc: '💻', mobile: '📱', web: '🌐' };

export function DeviceIcons({ presence }: { presence: UserPresence }) {
  const { t } = useI18n();
  if (presence.devices.length === 0) return null;
  const names = presence.devices.map((d) => t(`device_${d}`)).join(', ');
  return (
    <span className="devices" role="img" aria-label={t('devicesOnline', { devices: names })} title={names}>
      {presence.devices.map((d) => <span key={d} aria-hidden="true">{deviceIcon[d]}</span>)}
    </span>
  );
}

export function formatTime(iso: string, lang: Lang): string {
  const d = new Date(iso);
  const now = new Date();
  const sameDay = d.toDateString() === now.toDateString();
  const locale = lang === 'zh' ? 'zh-CN' : 'en';
  return sameDay
    ? d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString(locale, { month: 'short', day: 'numeric' }) + ' ' + d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
}

export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <label className="lang">
      <span className="sr-only">{t('language')}</span>
      <select aria-label={t('language')} value={lang} onChange={(e) => setLang(e.target.value as Lang)}>
        <option value="zh">中文</option>
        <option value="en">English</option>
      </select>
    </label>
  );
}
