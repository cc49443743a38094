import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { PenguinClient } from '../client';
import { useI18n, type Key } from '../i18n';
import { selectableStatuses, type PresenceStatus } from '../protocol';
import { useStore } from '../store';
import { displayName, totalGroupUnread, totalUnread } from '../state';
import { chime, loadNotifySettings, shouldAnnounce } from '../notify';
import { BuddyList } from './BuddyList';
import { ChatWindow } from './ChatWindow';
import { attachmentPreview } from './Attachment';
import { Avatar, StatusDot } from './common';
import { Conversations } from './Conversations';
import { GroupChat } from './GroupChat';
import { Groups } from './Groups';
import { RoomChat, RoomDirectory } from './Rooms';
import { MePanel } from './MePanel';
import { Requests } from './Requests';

type Tab = 'friends' | 'chats' | 'groups' | 'requests' | 'me';
const tabs: { id: Tab; label: Key }[] = [
  { id: 'friends', label: 'tabFriends' }, { id: 'chats', label: 'tabChats' }, { id: 'groups', label: 'tabGroups' },
  { id: 'requests', label: 'tabRequests' }, { id: 'me', label: 'tabMe' },
];

export function Main({ client }: { client: PenguinClient }) {
  const { t } = useI18n();
  const state = useStore(client.state);
  const [tab, setTab] = useState<Tab>('friends');
  const [peer, setPeerOnly] = useState<number | null>(null);
  const [groupId, setGroupOnly] = useState<number | null>(null);
  // One chat pane: opening a friend's chat closes the group's and the other way round.
  const [roomId, setRoomOnly] = useState<number | null>(null);
  const setPeer = (n: number | null) => { setPeerOnly(n); if (n !== null) { setGroupOnly(null); setRoomOnly(null); } };
  const openGroup = (id: number | null) => { setGroupOnly(id); if (id !== null) { setPeerOnly(null); setRoomOnly(null); } };
  const openRoom = (id: number | null) => { setRoomOnly(id); if (id !== null) { setPeerOnly(null); setGroupOnly(null); } };
  const groupUnread = totalGroupUnread(state);
  const groupRequests = Object.keys(state.chat.requests).length;
  const tabRefs = useRef<(HTMLButtonElement | null)[]>([]);
  const unread = totalUnread(state);
  const pendingIn = Object.values(state.requests).filter((r) => r.state === 'pending' && r.to.number === state.me?.number).length;

  // New messages: a desktop notification and/or a chime when switched on (Me tab), unless that chat is in view.
  useEffect(() => {
    client.onIncoming = (m) => {
      const settings = loadNotifySettings(localStorage);
      if (!shouldAnnounce({ hidden: document.visibilityState !== 'visible', viewing: peer, from: m.from, status: client.status })) return;
      if (settings.sound) chime();
      if (settings.desktop && typeof Notification !== 'undefined' && Notification.permission === 'granted') {
        const s = client.state.get();
        const n = new Notification(displayName(s, m.from), { body: m.text || (m.attachment ? attachmentPreview(t, m.attachment) : ''), tag: `penguin-${m.from}` });
        n.onclick = () => { window.focus(); setPeer(m.from); n.close(); };
      }
    };
    // A group message: only from groups set to notify, or when it mentions me (§11 GroupNotify).
    client.onIncomingGroup = (m) => {
      const s = client.state.get();
      const g = s.chat.groups[m.groupId];
      const me = s.me?.number ?? 0;
      const forMe = m.mentionAll || (m.mentions ?? []).includes(me);
      if (!g || (g.notify !== 'notify' && !forMe)) return;
      if (client.status === 'dnd' || (document.visibilityState === 'visible' && groupId === m.groupId)) return;
      const settings = loadNotifySettings(localStorage);
      if (settings.sound) chime();
      if (settings.desktop && typeof Notification !== 'undefined' && Notification.permission === 'granted') {
        const n = new Notification(g.group.name, { body: `${displayName(s, m.from)}: ${m.text || (m.attachment ? attachmentPreview(t, m.attachment) : '')}`, tag: `penguin-g${m.groupId}` });
        n.onclick = () => { window.focus(); openGroup(m.groupId); n.close(); };
      }
    };
    return () => { client.onIncoming = null; client.onIncomingGroup = null; };
  }, [client, peer, groupId]);

  function onTabKey(e: KeyboardEvent, index: number) {
    const delta = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!delta) return;
    const next = (index + delta + tabs.length) % tabs.length;
    setTab(tabs[next].id);
    tabRefs.current[next]?.focus();
  }

  return (
    <div className={`app ${peer !== null || groupId !== null || roomId !== null ? 'chat-open' : ''}`}>
      <aside className="panel" aria-label={t('tabs')}>
        <MyHeader client={client} />
        <ConnectionBanner client={client} state={state.connectivity} />
        <div role="tablist" aria-label={t('tabs')} className="tabs">
          {tabs.map((x, i) => (
            <button key={x.id} ref={(el) => { tabRefs.current[i] = el; }} role="tab" id={`tab-${x.id}`} aria-selected={tab === x.id}
              aria-controls={`tabpanel-${x.id}`} tabIndex={tab === x.id ? 0 : -1} onClick={() => setTab(x.id)} onKeyDown={(e) => onTabKey(e, i)}>
              {t(x.label)}
              {x.id === 'chats' && unread > 0 && <span className="badge" aria-label={t('unreadCount', { count: unread })}>{unread}</span>}
              {x.id === 'groups' && groupUnread + groupRequests > 0 && <span className="badge" data-testid="groups-badge" aria-label={t('unreadCount', { count: groupUnread + groupRequests })}>{groupUnread + groupRequests}</span>}
              {x.id === 'requests' && pendingIn > 0 && <span className="badge">{pendingIn}</span>}
            </button>
          ))}
        </div>
        <section role="tabpanel" id={`tabpanel-${tab}`} aria-labelledby={`tab-${tab}`} className="tab-body">
          {tab === 'friends' && <BuddyList client={client} onOpen={setPeer} />}
          {tab === 'chats' && <Conversations client={client} current={peer} onOpen={setPeer} />}
          {tab === 'groups' && <><Groups client={client} current={groupId} onOpen={openGroup} /><RoomDirectory client={client} onOpen={openRoom} /></>}
          {tab === 'requests' && <Requests client={client} onOpen={setPeer} />}
          {tab === 'me' && <MePanel client={client} />}
        </section>
      </aside>
      <main className="chat-pane">
        {peer !== null
          ? <ChatWindow key={peer} client={client} peer={peer} onClose={() => setPeer(null)} />
          : groupId !== null
            ? <GroupChat key={`g${groupId}`} client={client} groupId={groupId} onClose={() => openGroup(null)} />
            : roomId !== null
              ? <RoomChat key={`r${roomId}`} client={client} roomId={roomId} onClose={() => openRoom(null)} />
              : <div className="empty-chat" aria-hidden="true">🐧</div>}
      </main>
    </div>
  );
}

function ConnectionBanner({ client, state }: { client: PenguinClient; state: string }) {
  const { t, lang } = useI18n();
  const ended = useStore(client.ended);
  if (state === 'online') return <div className="sr-only" role="status" aria-live="polite">{t('online')}</div>;
  if (state === 'ended' && ended) {
    return (
      <div className="banner ended" role="alert" data-testid="connection">
        {lang === 'zh' ? ended.messageZh : ended.message}{' '}
        <button type="button" className="link" onClick={() => client.takeOver()}>{t('useHere')}</button>
      </div>
    );
  }
  const text = state === 'reconnecting' ? t('reconnecting') : t('connecting');
  return <div className={`banner ${state}`} role="status" aria-live="polite" data-testid="connection">{text}</div>;
}

function MyHeader({ client }: { client: PenguinClient }) {
  const { t } = useI18n();
  const state = useStore(client.state);
  const me = state.me;
  const [editing, setEditing] = useState(false);
  const [signature, setSignature] = useState('');
  const [error, setError] = useState<string | null>(null);
  const status = client.status;
  useEffect(() => { if (!editing) setSignature(me?.signature ?? ''); }, [editing, me?.signature]);
  if (!me) return <header className="me-header"><span>{t('connecting')}</span></header>;

  async function save() {
    try {
      await client.api.updateProfile({ signature });
      setEditing(false);
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  return (
    <header className="me-header">
      <Avatar avatar={me.avatar} name={me.nickname} size={56} />
      <div className="me-text">
        <div className="me-name">
          <strong data-testid="my-nickname">{me.nickname}</strong>
          <span className="muted">{t('numberLabel', { number: me.number })}</span>
        </div>
        {editing ? (
          <form className="inline-form" onSubmit={(e) => { e.preventDefault(); void save(); }}>
            <input aria-label={t('signature')} maxLength={80} value={signature} autoFocus onChange={(e) => setSignature(e.target.value)}
              onKeyDown={(e) => { if (e.key === 'Escape') setEditing(false); }} />
            <button type="submit">{t('save')}</button>
            <button type="button" onClick={() => setEditing(false)}>{t('cancel')}</button>
          </form>
        ) : (
          <button type="button" className="signature" aria-label={t('editSignature')} onClick={() => setEditing(true)}>
            {me.signature || <span className="muted">{t('noSignature')}</span>}
          </button>
        )}
        {error && <p className="error" role="alert">{error}</p>}
      </div>
      <label className="status-select">
        <StatusDot status={status} />
        <span className="sr-only">{t('status')}</span>
        <select aria-label={t('status')} value={status} onChange={(e) => void client.setStatus(e.target.value as PresenceStatus).catch(() => {})}>
          {selectableStatuses.map((s) => <option key={s} value={s}>{t(`status_${s}`)}</option>)}
        </select>
      </label>
    </header>
  );
}
