import { useState } from 'react';
import type { PenguinClient } from '../client';
import { errorText, useI18n } from '../i18n';
import type { Message } from '../protocol';
import { useStore } from '../store';
import { conversationList, displayName, presenceOf } from '../state';
import { ApiError } from '../api';
import { attachmentPreview } from './Attachment';
import { Avatar, formatTime, StatusDot } from './common';

export function Conversations({ client, current, onOpen }: { client: PenguinClient; current: number | null; onOpen(peer: number): void }) {
  const { t, lang } = useI18n();
  const state = useStore(client.state);
  const list = conversationList(state);
  const [q, setQ] = useState('');
  const [results, setResults] = useState<{ messages: Message[]; more: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function search() {
    if (!q.trim()) { setResults(null); return; }
    try { setResults(await client.api.searchMessages(q.trim(), 50)); setError(null); } catch (e) {
      setError(e instanceof ApiError ? errorText(lang, e) : String(e));
    }
  }

  return (
    <div className="conversations">
      <form role="search" className="search-row" onSubmit={(e) => { e.preventDefault(); void search(); }}>
        <input type="search" aria-label={t('searchAll')} placeholder={t('searchAll')} value={q} maxLength={100}
          onChange={(e) => { setQ(e.target.value); if (!e.target.value) setResults(null); }} />
        <button type="submit">{t('search')}</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      {results && (
        <section aria-label={t('searchMessages')} className="results">
          <p className="muted pad" role="status">{t('results', { count: results.messages.length })}{results.more ? ' · ' + t('moreResults') : ''}</p>
          <ul>
            {results.messages.map((m) => {
              const peer = m.from === state.me?.number ? m.to : m.from;
              return (
                <li key={m.id}>
                  <button type="button" className="result" onClick={() => onOpen(peer)}>
                    <strong>{displayName(state, peer)}</strong> <span className="muted">{formatTime(m.sentAt, lang)}</span>
                    <span className="preview">{m.text}</span>
                  </button>
                </li>
              );
            })}
          </ul>
        </section>
      )}
      {list.length === 0 && <p className="muted pad">{t('noConversations')}</p>}
      <ul aria-label={t('conversations')} className="conv-list">
        {list.map((c) => {
          const name = displayName(state, c.peer);
          const pending = state.outbox.filter((p) => p.to === c.peer);
          const draft = pending[pending.length - 1];
          const friend = state.friends[c.peer];
          const avatar = friend?.profile.avatar ?? state.profiles[c.peer]?.avatar ?? 'penguin-01';
          const preview = draft ? t('draftPreview', { text: draft.text })
            : !c.last ? '' : c.last.recalled ? t('recalledPreview') : (c.last.from === state.me?.number ? `${t('you')}: ` : '')
              + (c.last.text || (c.last.attachment ? attachmentPreview(t, c.last.attachment) : ''));
          return (
            <li key={c.peer}>
              <button type="button" className={`conv ${current === c.peer ? 'current' : ''}`} onClick={() => onOpen(c.peer)} data-testid={`conv-${c.peer}`}
                aria-label={`${name}${c.unread ? ', ' + t('unreadCount', { count: c.unread }) : ''}`}>
                <span className="avatar-wrap"><Avatar avatar={avatar} name={name} />{friend && <StatusDot status={presenceOf(state, c.peer).status} />}</span>
                <span className="conv-text">
                  <span className="conv-top"><span className="friend-name">{name}</span><span className="muted small">{formatTime(c.updatedAt, lang)}</span></span>
                  <span className="conv-bottom"><span className="preview">{preview}</span>{c.unread > 0 && <span className="badge" data-testid="unread">{c.unread}</span>}</span>
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
