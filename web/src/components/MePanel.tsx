import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api';
import type { PenguinClient } from '../client';
import { errorText, useI18n } from '../i18n';
import type { DeviceSession } from '../protocol';
import { useStore } from '../store';
import { displayName } from '../state';
import { formatTime, LanguageSwitch } from './common';
import { loadNotifySettings, saveNotifySettings, type NotifySettings } from '../notify';

export function MePanel({ client }: { client: PenguinClient }) {
  const { t, lang } = useI18n();
  const state = useStore(client.state);
  const [sessions, setSessions] = useState<DeviceSession[]>([]);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try { setSessions((await client.api.sessions()).sessions); setError(null); } catch (e) {
      setError(e instanceof ApiError ? errorText(lang, e) : String(e));
    }
  }, [client, lang]);
  useEffect(() => { void load(); }, [load]);

  async function run(action: () => Promise<unknown>) {
    try { await action(); setError(null); } catch (e) { setError(e instanceof ApiError ? errorText(lang, e) : String(e)); }
  }

  const [notify, setNotify] = useState(() => loadNotifySettings(localStorage));
  function changeNotify(next: NotifySettings) {
    saveNotifySettings(localStorage, next);
    setNotify(next);
  }
  async function toggleDesktop(on: boolean) {
    if (on && typeof Notification !== 'undefined' && Notification.permission !== 'granted') {
      const permission = await Notification.requestPermission();
      if (permission !== 'granted') { setError(t('notificationsDenied')); return; }
    }
    changeNotify({ ...notify, desktop: on });
  }

  return (
    <div className="me-panel">
      <LanguageSwitch />
      <fieldset className="notify">
        <legend>{t('notifications')}</legend>
        <label><input type="checkbox" checked={notify.desktop} disabled={typeof Notification === 'undefined'}
          onChange={(e) => void toggleDesktop(e.target.checked)} /> {t('desktopNotifications')}</label>
        <label><input type="checkbox" checked={notify.sound} onChange={(e) => changeNotify({ ...notify, sound: e.target.checked })} /> {t('sound')}</label>
      </fieldset>
      {error && <p className="error" role="alert">{error}</p>}
      <section aria-labelledby="devices-title">
        <h2 id="devices-title">{t('devices')} <button type="button" className="link" onClick={() => void load()}>{t('refresh')}</button></h2>
        <ul className="req-list">
          {sessions.map((s) => (
            <li key={s.id} className="req" data-testid={`session-${s.id}`}>
              <div className="req-text">
                <strong>{t(`device_${s.device}`)}</strong> {s.deviceName && <span>{s.deviceName}</span>} {s.current && <span className="muted">({t('thisDevice')})</span>}
                <p className="muted small">{t('lastSeen', { time: formatTime(s.lastSeenAt, lang) })}</p>
              </div>
              {!s.current && <button type="button" onClick={() => void run(async () => { await client.api.endSession(s.id); await load(); })}
                aria-label={`${t('endSession')}: ${s.deviceName ?? t(`device_${s.device}`)}`}>{t('endSession')}</button>}
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="blocked-title">
        <h2 id="blocked-title">{t('blocked')}</h2>
        {state.blocked.length === 0 && <p className="muted pad">{t('noBlocked')}</p>}
        <ul className="req-list">
          {state.blocked.map((n) => (
            <li key={n} className="req">
              <div className="req-text"><strong>{displayName(state, n)}</strong> <span className="muted">{n}</span></div>
              <button type="button" onClick={() => void run(() => client.api.unblock(n))}>{t('unblock')}</button>
            </li>
          ))}
        </ul>
      </section>
      <button type="button" className="danger wide" onClick={() => void client.logout()}>{t('logout')}</button>
    </div>
  );
}
