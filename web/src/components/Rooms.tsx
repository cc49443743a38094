import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { ApiError } from '../api';
import type { PenguinClient } from '../client';
import { errorText, useI18n } from '../i18n';
import type { RoomInfo } from '../protocol';
import { useStore } from '../store';
import { displayName } from '../state';
import { formatTime } from './common';

function useAct() {
  const { lang } = useI18n();
  const [error, setError] = useState<string | null>(null);
  const act = async (f: () => Promise<unknown>) => {
    try { await f(); setError(null); } catch (e) {
      setError(e instanceof ApiError ? errorText(lang, e) : e instanceof Error ? (lang === 'zh' && 'messageZh' in e ? String(e.messageZh) : e.message) : String(e));
    }
  };
  return { error, act };
}

/** The rooms directory (§12): every room with how many are inside; create one; enter. */
export function RoomDirectory({ client, onOpen }: { client: PenguinClient; onOpen(roomId: number): void }) {
  const { t } = useI18n();
  const [rooms, setRooms] = useState<RoomInfo[] | null>(null);
  const [name, setName] = useState('');
  const [topic, setTopic] = useState('');
  const { error, act } = useAct();
  const load = () => act(async () => setRooms((await client.api.rooms()).rooms));
  useEffect(() => { void load(); }, [client]); // eslint-disable-line react-hooks/exhaustive-deps
  const enter = (id: number) => act(async () => { await client.enterRoom(id); onOpen(id); });

  return (
    <section className="rooms" aria-labelledby="rooms-title">
      <div className="group-row">
        <h2 id="rooms-title" className="group-head">{t('rooms')}</h2>
        <button type="button" className="link" onClick={() => void load()}>{t('refresh')}</button>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {rooms?.length === 0 && <p className="muted pad">{t('noRooms')}</p>}
      <ul aria-labelledby="rooms-title">
        {rooms?.map((r) => (
          <li key={r.id} className="req" data-testid={`room-${r.id}`}>
            <span className="req-text"><strong>{r.name}</strong><span className="muted small">#{r.topic} · {t('roomPeople', { count: r.people })}</span></span>
            <button type="button" onClick={() => void enter(r.id)} aria-label={`${t('enterRoom')} ${r.name}`}>{t('enterRoom')}</button>
          </li>
        ))}
      </ul>
      <form className="block-form" aria-label={t('createRoom')} onSubmit={(e) => {
        e.preventDefault();
        void act(async () => { const r = await client.api.createRoom(name.trim(), topic.trim()); setName(''); setTopic(''); await load(); await enter(r.id); });
      }}>
        <label className="block-label">{t('roomName')}<input value={name} maxLength={30} onChange={(e) => setName(e.target.value)} /></label>
        <label className="block-label">{t('roomTopic')}<input value={topic} maxLength={20} onChange={(e) => setTopic(e.target.value)} /></label>
        <div className="pad"><button type="submit" disabled={!name.trim() || !topic.trim()}>{t('createRoom')}</button></div>
      </form>
    </section>
  );
}

/** Inside a room: what is said live, who is inside, say something, leave. */
export function RoomChat({ client, roomId, onClose }: { client: PenguinClient; roomId: number; onClose(): void }) {
  const { t, lang } = useI18n();
  const rooms = useStore(client.rooms);
  const state = useStore(client.state);
  const view = rooms[roomId];
  const [text, setText] = useState('');
  const { error, act } = useAct();
  const scrollRef = useRef<HTMLDivElement>(null);
  const [moderators, setModerators] = useState<number[]>([]);
  const [showPeople, setShowPeople] = useState(false);
  useLayoutEffect(() => { const el = scrollRef.current; if (el) el.scrollTop = el.scrollHeight; }, [view?.messages.length]);
  useEffect(() => {
    let live = true;
    client.api.roomModerators(roomId).then((r) => { if (live) setModerators(r.numbers); }, () => {});
    return () => { live = false; };
  }, [client, roomId]);
  if (!view) return null;
  const me = state.me?.number;
  const moderator = me !== undefined && moderators.includes(me);
  function send() {
    if (!text.trim()) return;
    const said = text;
    setText('');
    void act(() => client.sendRoom(roomId, said));
  }
  return (
    <section className="chat" aria-label={t('roomChat', { name: view.room.name })} data-testid="room-chat">
      <header className="chat-head">
        <button type="button" className="icon back" onClick={onClose} aria-label={t('back')}>←</button>
        <div className="chat-title">
          <h2>{view.room.name}</h2>
          <span className="muted small">#{view.room.topic} · <span data-testid="room-people">{t('roomPeople', { count: view.room.people })}</span></span>
        </div>
        <button type="button" className="icon" aria-label={t('peopleInside')} aria-pressed={showPeople} onClick={() => setShowPeople(!showPeople)}>👥</button>
        <button type="button" onClick={() => void act(async () => { await client.leaveRoom(roomId); onClose(); })}>{t('leaveRoom')}</button>
      </header>
      {showPeople && <RoomPeople client={client} roomId={roomId} people={view.people} creator={view.room.creator} moderators={moderators} moderator={moderator} act={act} />}
      <p className="muted small center">{t('roomLive')}</p>
      {view.out && <p className="notice warn pad" role="status">{t(`roomOut_${view.out}`)}</p>}
      <div className="messages plain" ref={scrollRef} role="log" aria-live="polite" tabIndex={0} data-testid="messages">
        {view.messages.map((m) => (
          <div key={m.id} className={`msg ${m.from === me ? 'mine' : 'theirs'}`} data-testid="message">
            {m.from !== me && <span className="sender small muted">{displayName(state, m.from)}</span>}
            <div className="bubble"><p className="text">{m.text}</p></div>
            <div className="meta small muted"><time dateTime={m.sentAt}>{formatTime(m.sentAt, lang)}</time></div>
          </div>
        ))}
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      <form className="composer" onSubmit={(e) => { e.preventDefault(); send(); }}>
        <textarea aria-label={t('messageInput')} placeholder={t('messageInput')} rows={2} maxLength={1000} value={text} disabled={!!view.out}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => { if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) { e.preventDefault(); send(); } }} />
        <button type="submit" className="primary" disabled={!text.trim() || !!view.out}>{t('send')}</button>
      </form>
    </section>
  );
}

/**
 * Who is inside, moderators marked. A moderator puts people out (kick) or bans them, and lifts bans (§12):
 * nobody acts on the creator or on themselves, and only the creator acts on other moderators.
 */
function RoomPeople({ client, roomId, people, creator, moderators, moderator, act }: {
  client: PenguinClient; roomId: number; people: number[]; creator: number; moderators: number[]; moderator: boolean; act(f: () => Promise<unknown>): Promise<void>;
}) {
  const { t } = useI18n();
  const state = useStore(client.state);
  const me = state.me?.number;
  const [bans, setBans] = useState<number[] | null>(null);
  const loadBans = () => act(async () => setBans((await client.api.roomBans(roomId)).numbers));
  useEffect(() => { if (moderator) void loadBans(); }, [moderator, roomId]); // eslint-disable-line react-hooks/exhaustive-deps
  const mayAct = (n: number) => moderator && n !== me && n !== creator && (me === creator || !moderators.includes(n));
  return (
    <aside className="members room-people" aria-label={t('peopleInside')} data-testid="room-people-list">
      <h2>{t('peopleInside')} ({people.length})</h2>
      <ul>
        {people.map((n) => {
          const name = displayName(state, n);
          return (
            <li key={n} className="member" data-testid={`room-person-${n}`}>
              <span className="member-name">{name}{n === me && <span className="muted small"> ({t('you')})</span>}</span>
              {moderators.includes(n) && <span className="role role-admin">{t('moderator')}</span>}
              {mayAct(n) && (
                <span className="member-actions" role="group" aria-label={t('peopleActions', { name })}>
                  <button type="button" className="link" onClick={() => void act(() => client.api.roomKick(roomId, n))}>{t('roomKick')}</button>
                  <button type="button" className="link danger" onClick={() => { if (confirm(t('confirmRoomBan', { name }))) void act(async () => { await client.api.roomBan(roomId, n, true); await loadBans(); }); }}>{t('roomBan')}</button>
                </span>
              )}
            </li>
          );
        })}
      </ul>
      {moderator && bans && (
        <>
          <h2>{t('bans')}</h2>
          {bans.length === 0 ? <p className="muted small pad">{t('noBans')}</p> : (
            <ul>
              {bans.map((n) => (
                <li key={n} className="member" data-testid={`room-ban-${n}`}>
                  <span className="member-name">{displayName(state, n)}</span>
                  <button type="button" className="link" onClick={() => void act(async () => { await client.api.roomBan(roomId, n, false); await loadBans(); })}>{t('roomUnban')}</button>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </aside>
  );
}
