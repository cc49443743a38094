import { useState, type FormEvent } from 'react';
import { ApiError } from '../api';
import type { PenguinClient } from '../client';
import { errorText, useI18n } from '../i18n';
import { useStore } from '../store';
import { LanguageSwitch } from './common';

export function Login({ client }: { client: PenguinClient }) {
  const { t, lang } = useI18n();
  const ended = useStore(client.ended);
  const [mode, setMode] = useState<'login' | 'register'>('login');
  const [number, setNumber] = useState('');
  const [nickname, setNickname] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      if (mode === 'register') {
        const n = await client.register(nickname, password);
        setNotice(t('registered', { number: n }));
        setNumber(String(n));
        await client.login(n, password);
      } else {
        if (!/^\d{1,15}$/.test(number.trim())) { setError(t('numberInvalid')); return; }
        await client.login(Number(number.trim()), password);
      }
    } catch (err) {
      setError(err instanceof ApiError ? errorText(lang, err) : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="login">
      <div className="login-card">
        <div className="login-top"><span className="logo" aria-hidden="true">🐧</span><LanguageSwitch /></div>
        <h1>{mode === 'login' ? t('loginTitle') : t('registerTitle')}</h1>
        {ended && <p className="notice warn" role="alert">{t('sessionEnded', { reason: lang === 'zh' ? ended.messageZh : ended.message })}</p>}
        {notice && <p className="notice" role="status">{notice}</p>}
        <form onSubmit={submit}>
          {mode === 'register' ? (
            <label>{t('nickname')}
              <input name="nickname" autoComplete="nickname" required maxLength={24} value={nickname} onChange={(e) => setNickname(e.target.value)} />
            </label>
          ) : (
            <label>{t('number')}
              <input name="number" inputMode="numeric" autoComplete="username" required value={number} onChange={(e) => setNumber(e.target.value)} />
            </label>
          )}
          <label>{t('password')}
            <input name="password" type="password" autoComplete={mode === 'login' ? 'current-password' : 'new-password'} required minLength={mode === 'register' ? 8 : 1} maxLength={128}
              value={password} onChange={(e) => setPassword(e.target.value)} />
          </label>
          {error && <p className="error" role="alert">{error}</p>}
          <button type="submit" className="primary" disabled={busy}>{mode === 'login' ? t('login') : t('register')}</button>
        </form>
        <button type="button" className="link" onClick={() => { setMode(mode === 'login' ? 'register' : 'login'); setError(null); }}>
          {mode === 'login' ? t('newAccount') : t('haveAccount')}
        </button>
      </div>
    </main>
  );
}
