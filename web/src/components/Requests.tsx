import { useEffect, useState } from 'react';
import { ApiError } from '../api';
import type { PenguinClient } from '../client';
import { errorText, useI18n } from '../i18n';
import type { FriendRequest, Profile } from '../protocol';
import { useStore } from '../store';
import { Avatar, formatTime } from './common';

export function Requests({ client, onOpen }: { client: PenguinClient; onOpen(peer: number): void }) {
  const { t, lang } = useI18n();
  const state = useStore(client.state);
  const me = state.me?.number;
  const [error, setError] = useState<string | null>(null);
  useEffect(() => { void client.refreshRequests().catch(() => {}); }, [client]);
  const all = Object.values(state.requests).sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  const incoming = all.filter((r) => r.to.number === me);
  const outgoing = all.filter((r) => r.from.number === me);

  async function answer(r: FriendRequest, accept: boolean) {
    try {
      const res = accept ? await client.api.acceptRequest(r.id) : await client.api.declineRequest(r.id);
      client.state.update((s) => ({ ...s, requests: { ...s.requests, [r.id]: res.request } }));
      setError(null);
    } catch (e) { setError(e instanceof ApiError ? errorText(lang, e) : String(e)); }
  }

  const stateText = (r: FriendRequest) => r.state === 'pending' ? t('pending') : r.state === 'accepted' ? t('accepted') : t('declined');

  return (
    <div className="requests">
      <AddFriend client={client} onOpen={onOpen} />
      {error && <p className="error" role="alert">{error}</p>}
      <h2>{t('incoming')}</h2>
      {incoming.length === 0 && <p className="muted pad">{t('noRequests')}</p>}
      <ul className="req-list" aria-label={t('incoming')}>
        {incoming.map((r) => (
          <li key={r.id} className="req" data-testid={`request-${r.from.number}`}>
            <Avatar avatar={r.from.avatar} name={r.from.nickname} />
            <div className="req-text">
              <strong>{r.from.nickname}</strong> <span className="muted">{r.from.number} · {formatTime(r.createdAt, lang)}</span>
              {r.message && <p className="req-msg">{r.message}</p>}
            </div>
            {r.state === 'pending' ? (
              <span className="req-actions">
                <button type="button" className="primary" onClick={() => void answer(r, true)} aria-label={`${t('accept')} ${r.from.nickname}`}>{t('accept')}</button>
                <button type="button" onClick={() => void answer(r, false)} aria-label={`${t('decline')} ${r.from.nickname}`}>{t('decline')}</button>
              </span>
            ) : <span className="muted">{stateText(r)}</span>}
          </li>
        ))}
      </ul>
      <h2>{t('outgoing')}</h2>
      <ul className="req-list" aria-label={t('outgoing')}>
        {outgoing.map((r) => (
          <li key={r.id} className="req">
            <Avatar avatar={r.to.avatar} name={r.to.nickname} />
            <div className="req-text"><strong>{r.to.nickname}</strong> <span className="muted">{r.to.number}</span>
              {r.message && <p className="req-msg">{r.message}</p>}</div>
            <span className="muted">{stateText(r)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function AddFriend({ client, onOpen }: { client: PenguinClient; onOpen(peer: number): void }) {
  const { t, lang } = useI18n();
  const state = useStore(client.state);
  const [q, setQ] = useState('');
  const [users, setUsers] = useState<Profile[] | null>(null);
  const [message, setMessage] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function search() {
    setNotice(null);
    try { setUsers((await client.api.searchUsers(q.trim())).users); setError(null); } catch (e) {
      setError(e instanceof ApiError ? errorText(lang, e) : String(e));
    }
  }

  async function add(p: Profile) {
    try {
      const r = await client.api.sendFriendRequest(p.number, message.trim());
      setNotice(r.state === 'accepted' ? t('nowFriends', { name: p.nickname }) : t('requestSent', { name: p.nickname }));
      client.state.update((s) => ({ ...s, requests: { ...s.requests, [r.request.id]: r.request } }));
      setError(null);
    } catch (e) { setError(e instanceof ApiError ? errorText(lang, e) : String(e)); }
  }

  return (
    <section className="add-friend" aria-labelledby="add-friend-title">
      <h2 id="add-friend-title">{t('addFriend')}</h2>
      <form role="search" className="search-row" onSubmit={(e) => { e.preventDefault(); void search(); }}>
        <input type="search" aria-label={t('searchPeople')} placeholder={t('searchPeople')} value={q} maxLength={24} required onChange={(e) => setQ(e.target.value)} />
        <button type="submit">{t('search')}</button>
      </form>
      <label className="block-label">{t('requestMessage')}
        <input value={message} maxLength={100} onChange={(e) => setMessage(e.target.value)} />
      </label>
      {notice && <p className="notice" role="status">{notice}</p>}
      {error && <p className="error" role="alert">{error}</p>}
      {users && users.length === 0 && <p className="muted pad">{t('noResults')}</p>}
      {users && (
        <ul className="req-list" aria-label={t('search')}>
          {users.map((u) => (
            <li key={u.number} className="req" data-testid={`user-${u.number}`}>
              <Avatar avatar={u.avatar} name={u.nickname} />
              <div className="req-text"><strong>{u.nickname}</strong> <span className="muted">{u.number}</span>
                {u.signature && <p className="req-msg">{u.signature}</p>}</div>
              {u.number === state.me?.number ? <span className="muted">{t('you')}</span>
                : state.friends[u.number] ? <button type="button" onClick={() => onOpen(u.number)}>{t('openChat')}</button>
                : <button type="button" className="primary" onClick={() => void add(u)} aria-label={`${t('addFriend')} ${u.nickname}`}>{t('addFriend')}</button>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
