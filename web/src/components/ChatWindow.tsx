import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { ApiError } from '../api';
import type { PenguinClient } from '../client';
import { emojiList } from '../emoji';
import { errorText, useI18n } from '../i18n';
import type { Message } from '../protocol';
import { useStore } from '../store';
import { displayName, messageState, presenceOf, type Pending } from '../state';
import { Attachment, UploadList, useUploads } from './Attachment';
import { Avatar, DeviceIcons, formatTime, StatusDot } from './common';

type Item = { key: string; m: Message; p?: undefined } | { key: string; p: Pending; m?: undefined };
const RECALL_WINDOW_MS = 2 * 60 * 1000;

export function ChatWindow({ client, peer, onClose }: { client: PenguinClient; peer: number; onClose(): void }) {
  const { t, lang } = useI18n();
  const state = useStore(client.state);
  const me = state.me?.number;
  const history = state.histories[peer];
  const conversation = state.conversations[peer];
  const name = displayName(state, peer);
  const friend = state.friends[peer];
  const presence = presenceOf(state, peer);
  const [text, setText] = useState('');
  const [picker, setPicker] = useState(false);
  const [searching, setSearching] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [, tick] = useState(0);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const loadingOlder = useRef(false);
  const fileRef = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const { uploads, attach, cancel: cancelUpload, resume } = useUploads(client.api, (file) => { client.send(peer, '', file); atBottom.current = true; });

  const items: Item[] = useMemo(() => [
    ...(history?.items ?? []).map((m) => ({ key: `m${m.id}`, m })),
    ...state.outbox.filter((p) => p.to === peer).map((p) => ({ key: `p${p.clientId}`, p })),
  ], [history?.items, state.outbox, peer]);

  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 64,
    overscan: 12,
    getItemKey: (i) => items[i].key,
  });

  useEffect(() => { inputRef.current?.focus(); }, [peer]);
  // The newest page when the chat opens, and again if the state was reloaded from the server meanwhile.
  useEffect(() => { void client.loadHistory(peer, false).catch(() => {}); }, [client, peer, history?.loaded]);

  // Keep the view at the newest message when it was there, and in place when older pages are prepended.
  const firstKey = useRef<string | null>(null);
  const lastKey = useRef<string | null>(null);
  useLayoutEffect(() => {
    if (items.length === 0) return;
    const prevFirst = firstKey.current;
    const newLast = items[items.length - 1];
    const prepended = prevFirst !== null && items[0].key !== prevFirst ? items.findIndex((x) => x.key === prevFirst) : -1;
    if (prepended > 0) {
      virtualizer.scrollToIndex(prepended, { align: 'start' });
    } else if (newLast.key !== lastKey.current && (atBottom.current || newLast.p || newLast.m?.from === me)) {
      virtualizer.scrollToIndex(items.length - 1, { align: 'end' });
      requestAnimationFrame(() => virtualizer.scrollToIndex(items.length - 1, { align: 'end' }));
    }
    firstKey.current = items[0].key;
    lastKey.current = newLast.key;
  }, [items, virtualizer, me]);

  // Read what is shown: the conversation is marked read while the page is visible.
  useEffect(() => {
    const read = () => { if (document.visibilityState === 'visible') client.markRead(peer); };
    read();
    document.addEventListener('visibilitychange', read);
    return () => document.removeEventListener('visibilitychange', read);
  }, [client, peer, conversation?.lastSeq, conversation?.readSeq]);

  const typingUntil = state.typing[peer] ?? 0;
  useEffect(() => {
    const left = typingUntil - Date.now();
    if (left <= 0) return;
    const timer = setTimeout(() => tick((x) => x + 1), left + 50);
    return () => clearTimeout(timer);
  }, [typingUntil]);
  const typing = typingUntil > Date.now();

  // Every 10 s, so recall buttons disappear when the 2-minute window closes.
  useEffect(() => { const timer = setInterval(() => tick((x) => x + 1), 10_000); return () => clearInterval(timer); }, []);

  function onScroll() {
    const el = scrollRef.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    if (el.scrollTop < 300 && history?.loaded && history.more && !loadingOlder.current) {
      loadingOlder.current = true;
      client.loadHistory(peer, true).catch(() => {}).finally(() => { loadingOlder.current = false; });
    }
  }

  function send() {
    if (!text.trim()) return;
    client.send(peer, text);
    setText('');
    setPicker(false);
    atBottom.current = true;
    inputRef.current?.focus();
  }

  function onKey(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    } else if (e.key === 'Escape') {
      if (picker) setPicker(false); else onClose();
    }
  }

  function insertEmoji(emoji: string) {
    const el = inputRef.current;
    const start = el?.selectionStart ?? text.length;
    const end = el?.selectionEnd ?? text.length;
    const next = text.slice(0, start) + emoji + text.slice(end);
    setText(next);
    requestAnimationFrame(() => { el?.focus(); el?.setSelectionRange(start + emoji.length, start + emoji.length); });
  }

  async function act(action: () => Promise<unknown>) {
    try { await action(); setError(null); } catch (e) { setError(e instanceof ApiError ? errorText(lang, e) : e instanceof Error ? (lang === 'zh' && 'messageZh' in e ? String(e.messageZh) : e.message) : String(e)); }
  }

  const virtualItems = virtualizer.getVirtualItems();

  return (
    <section className={`chat ${dragging ? 'dragging' : ''}`} aria-label={t('chatWith', { name })} data-testid="chat"
      onDragOver={(e) => { if (e.dataTransfer.types.includes('Files')) { e.preventDefault(); setDragging(true); } }}
      onDragLeave={(e) => { if (e.currentTarget === e.target) setDragging(false); }}
      onDrop={(e) => { if (e.dataTransfer.files.length) { e.preventDefault(); attach(e.dataTransfer.files); } setDragging(false); }}>
      {dragging && <div className="drop-hint" aria-hidden="true">{t('dropHere')}</div>}
      <header className="chat-head">
        <button type="button" className="icon back" onClick={onClose} aria-label={t('back')}>←</button>
        <span className="avatar-wrap"><Avatar avatar={friend?.profile.avatar ?? state.profiles[peer]?.avatar ?? 'penguin-01'} name={name} />{friend && <StatusDot status={presence.status} />}</span>
        <div className="chat-title">
          <h2>{name}</h2>
          <span className="muted small" data-testid="peer-status">{friend ? t(`status_${presence.status}`) : t('stranger')}</span>
          {friend && <DeviceIcons presence={presence} />}
        </div>
        <button type="button" className="icon" aria-label={t('searchHere')} aria-pressed={searching} onClick={() => setSearching(!searching)}>🔍</button>
      </header>
      {searching && <ChatSearch client={client} peer={peer} onClose={() => setSearching(false)} />}
      <div className="messages" ref={scrollRef} onScroll={onScroll} role="log" aria-live="polite" aria-relevant="additions" tabIndex={0} data-testid="messages">
        {history?.loaded && !history.more && <p className="muted center small">{t('beginning')}</p>}
        {history?.loaded && history.more && <p className="muted center small">{t('loadingOlder')}</p>}
        <div className="virtual" style={{ height: virtualizer.getTotalSize() }}>
          {virtualItems.map((v) => {
            const item = items[v.index];
            return (
              <div key={v.key} data-index={v.index} ref={virtualizer.measureElement} className="vrow" style={{ transform: `translateY(${v.start}px)` }}>
                {item.m ? <MessageRow client={client} m={item.m} mine={item.m.from === me} peerName={name} conversationState={messageState(conversation, item.m)} onAction={act} />
                  : <PendingRow client={client} p={item.p!} online={state.connectivity === 'online'} />}
              </div>
            );
          })}
        </div>
      </div>
      <div className="typing" aria-live="polite">{typing ? t('typing', { name }) : ''}</div>
      {error && <p className="error" role="alert">{error}</p>}
      {picker && (
        <div className="emoji-picker" role="group" aria-label={t('emoji')} onKeyDown={(e) => { if (e.key === 'Escape') { setPicker(false); inputRef.current?.focus(); } }}>
          {emojiList.map((e) => <button type="button" key={e} onClick={() => insertEmoji(e)} aria-label={t('pickEmoji', { emoji: e })}>{e}</button>)}
        </div>
      )}
      <UploadList uploads={uploads} onCancel={cancelUpload} onResume={resume} />
      <form className="composer" onSubmit={(e) => { e.preventDefault(); send(); }}>
        <button type="button" className="icon" aria-label={t('emoji')} aria-expanded={picker} onClick={() => setPicker(!picker)}>😊</button>
        <button type="button" className="icon" aria-label={t('attach')} onClick={() => fileRef.current?.click()}>📎</button>
        <input ref={fileRef} type="file" multiple hidden data-testid="file-input" aria-label={t('attach')}
          onChange={(e) => { if (e.target.files?.length) attach(e.target.files); e.target.value = ''; }} />
        <textarea ref={inputRef} aria-label={t('messageInput')} placeholder={t('messageInput')} rows={2} maxLength={5000} value={text}
          onChange={(e) => { setText(e.target.value); client.typing(peer, e.target.value.length > 0); }}
          onBlur={() => client.typing(peer, false)} onKeyDown={onKey}
          onPaste={(e) => { if (e.clipboardData.files.length) { e.preventDefault(); attach(e.clipboardData.files); } }} />
        <button type="submit" className="primary" disabled={!text.trim()}>{t('send')}</button>
      </form>
    </section>
  );
}

function MessageRow({ client, m, mine, peerName, conversationState, onAction }: {
  client: PenguinClient; m: Message; mine: boolean; peerName: string; conversationState: string; onAction(a: () => Promise<unknown>): void;
}) {
  const { t, lang } = useI18n();
  if (m.recalled) {
    return <p className="recalled muted center small" data-testid="recalled">{mine ? t('recalledByMe') : t('recalledByPeer', { name: peerName })}</p>;
  }
  const canRecall = mine && Date.now() - Date.parse(m.sentAt) < RECALL_WINDOW_MS;
  return (
    <div className={`msg ${mine ? 'mine' : 'theirs'}`} data-testid="message" data-seq={m.seq} data-client-id={m.clientId}>
      <div className="bubble">
        {m.attachment && <Attachment api={client.api} a={m.attachment} />}
        {(m.text || !m.attachment) && <p className="text">{m.text}</p>}
      </div>
      <div className="meta small muted">
        <time dateTime={m.sentAt}>{formatTime(m.sentAt, lang)}</time>
        {mine && <span className={`state state-${conversationState}`} data-testid="state" data-state={conversationState}>{t(`state_${conversationState}` as 'state_sent')}</span>}
        <span className="msg-actions" role="group" aria-label={t('messageActions')}>
          {canRecall && <button type="button" className="link" onClick={() => onAction(() => client.recall(m.id))}>{t('recall')}</button>}
          <button type="button" className="link" onClick={() => onAction(() => client.deleteForMe(m.id))}>{t('deleteForMe')}</button>
        </span>
      </div>
    </div>
  );
}

function PendingRow({ client, p, online }: { client: PenguinClient; p: Pending; online: boolean }) {
  const { t, lang } = useI18n();
  return (
    <div className="msg mine pending" data-testid="message" data-client-id={p.clientId}>
      <div className="bubble">
        {p.fileName && <p className="muted small">{p.durationMs !== undefined ? '🎤' : '📄'} {p.fileName}</p>}
        {(p.text || !p.fileName) && <p className="text">{p.text}</p>}
      </div>
      <div className="meta small muted">
        {p.failed ? (
          <>
            <span className="state state-failed" data-testid="state" data-state="failed">{t('state_failed')}: {lang === 'zh' ? p.failed.messageZh : p.failed.message}</span>
            <button type="button" className="link" onClick={() => client.retry(p.clientId)}>{t('retry')}</button>
            <button type="button" className="link" onClick={() => client.discard(p.clientId)}>{t('discard')}</button>
          </>
        ) : (
          <span className="state state-sending" data-testid="state" data-state="sending">{online ? t('state_sending') : t('offlineQueued')}</span>
        )}
      </div>
    </div>
  );
}

function ChatSearch({ client, peer, onClose }: { client: PenguinClient; peer: number; onClose(): void }) {
  const { t, lang } = useI18n();
  const [q, setQ] = useState('');
  const [results, setResults] = useState<Message[] | null>(null);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function search() {
    if (!q.trim()) return;
    try {
      const page = await client.api.searchMessages(q.trim(), 100);
      setResults(page.messages.filter((m) => m.from === peer || m.to === peer));
      setMore(page.more);
      setError(null);
    } catch (e) { setError(e instanceof ApiError ? errorText(lang, e) : String(e)); }
  }

  return (
    <div className="chat-search" onKeyDown={(e) => { if (e.key === 'Escape') onClose(); }}>
      <form role="search" className="search-row" onSubmit={(e) => { e.preventDefault(); void search(); }}>
        <input type="search" aria-label={t('searchHere')} placeholder={t('searchHere')} value={q} maxLength={100} autoFocus onChange={(e) => setQ(e.target.value)} />
        <button type="submit">{t('search')}</button>
        <button type="button" onClick={onClose}>{t('close')}</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      {results && (
        <ul className="results" aria-label={t('results', { count: results.length })}>
          <li className="muted small" role="status">{t('results', { count: results.length })}{more ? ' · ' + t('moreResults') : ''}</li>
          {results.map((m) => <li key={m.id} className="result"><span className="muted small">{formatTime(m.sentAt, lang)}</span> <span className="preview">{m.text}</span></li>)}
        </ul>
      )}
    </div>
  );
}
