import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { ApiError } from '../api';
import type { PenguinClient } from '../client';
import { canManage, finalMentions, isAdmin, mentionCandidates, mentionQuery, type GroupPending } from '../groups';
import { errorText, useI18n } from '../i18n';
import type { GroupJoinPolicy, GroupMember, GroupMessage, GroupReadCount, GroupSummary } from '../protocol';
import { useStore } from '../store';
import { displayName, type ChatState } from '../state';
import { Attachment, UploadList, useUploads } from './Attachment';
import { Avatar, formatTime } from './common';

const RECALL_WINDOW_MS = 2 * 60 * 1000;
const ALL = 0; // the @all entry of the suggestions

type Item = { key: string; m: GroupMessage; p?: undefined } | { key: string; p: GroupPending; m?: undefined };

function memberName(state: ChatState, groupId: number, number: number): string {
  const m = state.chat.members[groupId]?.find((x) => x.number === number);
  if (m?.card) return m.card;
  if (number === state.me?.number && state.chat.groups[groupId]?.card) return state.chat.groups[groupId].card!;
  return displayName(state, number);
}

export function GroupChat({ client, groupId, onClose }: { client: PenguinClient; groupId: number; onClose(): void }) {
  const { t, lang } = useI18n();
  const state = useStore(client.state);
  const me = state.me?.number ?? 0;
  const summary = state.chat.groups[groupId];
  const history = state.chat.histories[groupId];
  const members = state.chat.members[groupId];
  const left = state.chat.left[groupId];
  const [showMembers, setShowMembers] = useState(false);
  const [editing, setEditing] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const [error, setError] = useState<string | null>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const loadingOlder = useRef(false);
  const [dragging, setDragging] = useState(false);
  const { uploads, attach, cancel: cancelUpload, resume } = useUploads(client.api, (file) => { client.sendGroup(groupId, '', [], false, file); atBottom.current = true; });

  useEffect(() => { void client.loadGroupHistory(groupId, false).catch(() => {}); }, [client, groupId, history?.loaded]);
  useEffect(() => { void client.loadGroupMembers(groupId).catch(() => {}); }, [client, groupId, summary?.group.memberCount]);
  // Nobody is told when someone joins: a message from a newcomer reloads the members (names, cards, @mentions).
  const lastFrom = history?.items[history.items.length - 1]?.from;
  const knownCount = members?.length;
  useEffect(() => {
    if (lastFrom === undefined || knownCount === undefined) return;
    if (!client.state.get().chat.members[groupId]?.some((m) => m.number === lastFrom)) void client.loadGroupMembers(groupId).catch(() => {});
  }, [client, groupId, lastFrom, knownCount]);
  useEffect(() => {
    const read = () => { if (document.visibilityState === 'visible') client.markGroupRead(groupId); };
    read();
    document.addEventListener('visibilitychange', read);
    return () => document.removeEventListener('visibilitychange', read);
  }, [client, groupId, summary?.lastSeq, summary?.readSeq]);

  // Virtualised like the one-to-one window: only the rows in view (and a few around) are in the page.
  const outbox = state.chat.outbox;
  const items: Item[] = useMemo(() => [
    ...(history?.items ?? []).map((m) => ({ key: `m${m.seq}`, m })),
    ...outbox.filter((p) => p.groupId === groupId).map((p) => ({ key: `p${p.clientId}`, p })),
  ], [history?.items, outbox, groupId]);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 64,
    overscan: 12,
    getItemKey: (i) => items[i].key,
  });

  // At the newest message when it was there (or when it is one's own); in place when older pages are prepended.
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

  function onScroll() {
    const el = scrollRef.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    if (el.scrollTop < 300 && history?.loaded && history.more && !loadingOlder.current) {
      loadingOlder.current = true;
      client.loadGroupHistory(groupId, true).catch(() => {}).finally(() => { loadingOlder.current = false; });
    }
  }

  async function act(action: () => Promise<unknown>) {
    try { await action(); setError(null); } catch (e) {
      setError(e instanceof ApiError ? errorText(lang, e) : e instanceof Error ? (lang === 'zh' && 'messageZh' in e ? String(e.messageZh) : e.message) : String(e));
    }
  }

  if (!summary) {
    return (
      <section className="chat" aria-label={t('groupChat', { name: String(groupId) })} data-testid="group-chat">
        <header className="chat-head"><button type="button" className="icon back" onClick={onClose} aria-label={t('back')}>←</button><h2>{groupId}</h2></header>
        <p className="notice warn pad" role="status" data-testid="group-left">{left ? t(`groupLeft_${left}`) : t('connecting')}</p>
      </section>
    );
  }
  const g = summary.group;
  const admin = isAdmin(summary);
  const mine = members?.find((m) => m.number === me);
  const mutedUntil = mine?.mutedUntil && Date.parse(mine.mutedUntil) > Date.now() ? mine.mutedUntil : null;
  const silenced = (g.muteAll && !admin) || mutedUntil !== null;

  return (
    <section className={`chat group-chat ${dragging ? 'dragging' : ''}`} aria-label={t('groupChat', { name: g.name })} data-testid="group-chat"
      onDragOver={(e) => { if (!silenced && e.dataTransfer.types.includes('Files')) { e.preventDefault(); setDragging(true); } }}
      onDragLeave={(e) => { if (e.currentTarget === e.target) setDragging(false); }}
      onDrop={(e) => { if (!silenced && e.dataTransfer.files.length) { e.preventDefault(); attach(e.dataTransfer.files); } setDragging(false); }}>
      {dragging && <div className="drop-hint" aria-hidden="true">{t('dropHere')}</div>}
      <header className="chat-head">
        <button type="button" className="icon back" onClick={onClose} aria-label={t('back')}>←</button>
        <Avatar avatar={g.avatar} name={g.name} />
        <div className="chat-title">
          <h2>{g.name}</h2>
          <span className="muted small">{t('groupNumberLabel', { id: g.id })} · {t('memberCount', { count: g.memberCount })}</span>
        </div>
        <button type="button" className="icon" aria-label={showMembers ? t('hideMembers') : t('showMembers')} aria-pressed={showMembers} onClick={() => setShowMembers(!showMembers)}>👥</button>
      </header>
      <div className="announcement" data-testid="announcement">
        {editing ? (
          <form className="inline-form" onSubmit={(e) => { e.preventDefault(); void act(async () => { await client.api.updateChatGroup(groupId, { announcement }); setEditing(false); }); }}>
            <textarea aria-label={t('announcement')} rows={3} maxLength={1000} value={announcement} autoFocus onChange={(e) => setAnnouncement(e.target.value)}
              onKeyDown={(e) => { if (e.key === 'Escape') setEditing(false); }} />
            <button type="submit">{t('save')}</button>
            <button type="button" onClick={() => setEditing(false)}>{t('cancel')}</button>
          </form>
        ) : (
          <>
            <span aria-hidden="true">📢 </span><strong>{t('announcement')}:</strong>{' '}
            <span className="announcement-text">{g.announcement || <span className="muted">{t('noAnnouncement')}</span>}</span>
            {admin && <button type="button" className="link" onClick={() => { setAnnouncement(g.announcement); setEditing(true); }}>{t('editAnnouncement')}</button>}
          </>
        )}
      </div>
      <div className="group-body">
        <div className="group-main">
          <div className="messages plain" ref={scrollRef} onScroll={onScroll} role="log" aria-live="polite" aria-relevant="additions" tabIndex={0} data-testid="messages">
            {history?.loaded && !history.more && <p className="muted center small">{t('beginning')}</p>}
            {history?.loaded && history.more && <p className="muted center small">{t('loadingOlder')}</p>}
            <div className="virtual" style={{ height: virtualizer.getTotalSize() }}>
              {virtualizer.getVirtualItems().map((v) => {
                const item = items[v.index];
                return (
                  <div key={v.key} data-index={v.index} ref={virtualizer.measureElement} className="vrow" style={{ transform: `translateY(${v.start}px)` }}>
                    {item.m ? <GroupMessageRow client={client} state={state} summary={summary} m={item.m} mine={item.m.from === me} onAction={act} />
                      : <GroupPendingRow client={client} p={item.p!} online={state.connectivity === 'online'} />}
                  </div>
                );
              })}
            </div>
          </div>
          {error && <p className="error" role="alert">{error}</p>}
          {g.muteAll && <p className="notice warn small" role="status">{t('mutedAllNotice')}</p>}
          {mutedUntil && <p className="notice warn small" role="status">{t('youAreMuted', { time: formatTime(mutedUntil, lang) })}</p>}
          <UploadList uploads={uploads} onCancel={cancelUpload} onResume={resume} />
          <GroupComposer client={client} state={state} summary={summary} members={members ?? []} disabled={silenced} onAttach={attach} />
        </div>
        {showMembers && <MembersPanel client={client} state={state} summary={summary} members={members ?? []} onAction={act} onClose={onClose} />}
      </div>
    </section>
  );
}

function GroupMessageRow({ client, state, summary, m, mine, onAction }: {
  client: PenguinClient; state: ChatState; summary: GroupSummary; m: GroupMessage; mine: boolean; onAction(a: () => Promise<unknown>): void;
}) {
  const { t, lang } = useI18n();
  const name = memberName(state, m.groupId, m.from);
  if (m.recalled) {
    return <p className="recalled muted center small" data-testid="recalled">{mine ? t('recalledByMe') : t('recalledInGroup', { name })}</p>;
  }
  const me = state.me?.number ?? 0;
  const forMe = m.mentionAll || (m.mentions ?? []).includes(me);
  const canRecall = (mine && Date.now() - Date.parse(m.sentAt) < RECALL_WINDOW_MS) || isAdmin(summary);
  return (
    <div className={`msg ${mine ? 'mine' : 'theirs'} ${forMe ? 'mentions-me' : ''}`} data-testid="message" data-seq={m.seq} data-client-id={m.clientId}>
      {!mine && <span className="sender small muted">{name}</span>}
      <div className="bubble">
        {m.attachment && <Attachment api={client.api} a={m.attachment} />}
        {(m.text || !m.attachment) && <p className="text">{m.text}</p>}
      </div>
      <div className="meta small muted">
        <time dateTime={m.sentAt}>{formatTime(m.sentAt, lang)}</time>
        {mine && <ReadCount client={client} groupId={m.groupId} seq={m.seq} lastSeq={summary.lastSeq} />}
        <span className="msg-actions" role="group" aria-label={t('messageActions')}>
          {canRecall && <button type="button" className="link" onClick={() => onAction(() => client.recallGroup(m.groupId, m.id))}>{t('recall')}</button>}
        </span>
      </div>
    </div>
  );
}

/** "3/5 read" under one's own message (§11 read counts); fetched when shown and refreshed on click. */
function ReadCount({ client, groupId, seq, lastSeq }: { client: PenguinClient; groupId: number; seq: number; lastSeq: number }) {
  const { t } = useI18n();
  const [count, setCount] = useState<GroupReadCount | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    client.api.groupReads(groupId, seq).then((c) => { if (live) setCount(c); }, () => {});
    return () => { live = false; };
  }, [client, groupId, seq, lastSeq, tick]);
  if (!count) return null;
  const n = { read: count.read, members: count.members };
  return (
    <button type="button" className="link read-count" data-testid="read-count" data-read={count.read}
      title={t('readCountTitle', n)} aria-label={t('readCountTitle', n)} onClick={() => setTick((x) => x + 1)}>
      {t('readCount', n)}
    </button>
  );
}

function GroupPendingRow({ client, p, online }: { client: PenguinClient; p: GroupPending; online: boolean }) {
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
            <button type="button" className="link" onClick={() => client.retryGroup(p.clientId)}>{t('retry')}</button>
            <button type="button" className="link" onClick={() => client.discardGroup(p.clientId)}>{t('discard')}</button>
          </>
        ) : (
          <span className="state state-sending" data-testid="state" data-state="sending">{online ? t('state_sending') : t('offlineQueued')}</span>
        )}
      </div>
    </div>
  );
}

/** The composer with @mention autocomplete: type "@", pick with the arrow keys and Enter or Tab, or click. */
export function GroupComposer({ client, state, summary, members, disabled, onAttach }: {
  client: PenguinClient; state: ChatState; summary: GroupSummary; members: GroupMember[]; disabled: boolean; onAttach?(files: FileList | File[]): void;
}) {
  const { t } = useI18n();
  const groupId = summary.group.id;
  const me = state.me?.number ?? 0;
  const [text, setText] = useState('');
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  const [chosen, setChosen] = useState<{ number: number; name: string }[]>([]);
  const [dismissed, setDismissed] = useState<number | null>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const caretAfterPick = useRef<number | null>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const allLabel = t('mentionAll');

  const query = mentionQuery(text, caret);
  const candidates = useMemo(() => {
    if (!query || dismissed === query.start) return [];
    const people = mentionCandidates(members.map((m) => ({ number: m.number, name: memberName(state, groupId, m.number) })), query.query, me);
    const all = isAdmin(summary) && (allLabel.includes(query.query) || 'all'.startsWith(query.query.toLowerCase())) ? [{ number: ALL, name: allLabel }] : [];
    return [...all, ...people];
  }, [query?.start, query?.query, dismissed, members, state, groupId, me, summary, allLabel]);
  const open = candidates.length > 0;

  function pick(c: { number: number; name: string }) {
    if (!query) return;
    const insert = `@${c.name} `;
    const next = text.slice(0, query.start) + insert + text.slice(caret);
    const at = query.start + insert.length;
    setText(next);
    setCaret(at);
    setChosen((x) => [...x.filter((y) => y.number !== c.number), c]);
    setActive(0);
    caretAfterPick.current = at;
  }

  // The caret goes after the mention in the same commit that puts the mention in: set later (a frame later,
  // say) it would land in the middle of whatever a fast typist typed in between.
  useLayoutEffect(() => {
    const at = caretAfterPick.current;
    if (at === null) return;
    caretAfterPick.current = null;
    inputRef.current?.focus();
    inputRef.current?.setSelectionRange(at, at);
  });

  function send() {
    if (!text.trim() || disabled) return;
    const people = chosen.filter((c) => c.number !== ALL);
    const { mentions, mentionAll } = finalMentions(text, people, chosen.some((c) => c.number === ALL) ? allLabel : null);
    client.sendGroup(groupId, text, mentions, mentionAll);
    setText('');
    setCaret(0);
    setChosen([]);
    inputRef.current?.focus();
  }

  function onKey(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (open) {
      if (e.key === 'ArrowDown') { e.preventDefault(); setActive((a) => (a + 1) % candidates.length); return; }
      if (e.key === 'ArrowUp') { e.preventDefault(); setActive((a) => (a - 1 + candidates.length) % candidates.length); return; }
      if ((e.key === 'Enter' || e.key === 'Tab') && !e.nativeEvent.isComposing) { e.preventDefault(); pick(candidates[Math.min(active, candidates.length - 1)]); return; }
      if (e.key === 'Escape') { e.preventDefault(); setDismissed(query!.start); return; }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) { e.preventDefault(); send(); }
  }

  const listId = `mentions-${groupId}`;
  return (
    <form className="composer group-composer" onSubmit={(e) => { e.preventDefault(); send(); }}>
      {open && (
        <ul className="mention-list" id={listId} role="listbox" aria-label={t('mentionSuggestions')}>
          {candidates.map((c, i) => (
            <li key={c.number} id={`${listId}-${c.number}`} role="option" aria-selected={i === active} className={i === active ? 'active' : ''}
              onMouseDown={(e) => { e.preventDefault(); pick(c); }}>
              {c.number === ALL ? t('mentionAllLabel') : <>{c.name} <span className="muted small">{c.number}</span></>}
            </li>
          ))}
        </ul>
      )}
      {onAttach && (
        <>
          <button type="button" className="icon" aria-label={t('attach')} disabled={disabled} onClick={() => fileRef.current?.click()}>📎</button>
          <input ref={fileRef} type="file" multiple hidden data-testid="file-input" aria-label={t('attach')}
            onChange={(e) => { if (e.target.files?.length) onAttach(e.target.files); e.target.value = ''; }} />
        </>
      )}
      <textarea ref={inputRef} aria-label={t('messageInput')} placeholder={t('messageInput')} rows={2} maxLength={5000} value={text} disabled={disabled}
        onPaste={(e) => { if (onAttach && e.clipboardData.files.length) { e.preventDefault(); onAttach(e.clipboardData.files); } }}
        role="combobox" aria-autocomplete="list" aria-expanded={open} aria-controls={open ? listId : undefined}
        aria-activedescendant={open ? `${listId}-${candidates[Math.min(active, candidates.length - 1)].number}` : undefined}
        onChange={(e) => { setText(e.target.value); setCaret(e.target.selectionStart ?? e.target.value.length); setActive(0); setDismissed(null); }}
        onSelect={(e) => setCaret(e.currentTarget.selectionStart ?? 0)} onKeyDown={onKey} />
      <button type="submit" className="primary" disabled={!text.trim() || disabled}>{t('send')}</button>
    </form>
  );
}

function MembersPanel({ client, state, summary, members, onAction, onClose }: {
  client: PenguinClient; state: ChatState; summary: GroupSummary; members: GroupMember[]; onAction(a: () => Promise<unknown>): void; onClose(): void;
}) {
  const { t, lang } = useI18n();
  const g = summary.group;
  const me = state.me?.number ?? 0;
  const [card, setCard] = useState(summary.card ?? '');
  const refresh = () => client.loadGroupMembers(g.id);
  // Cards and mutes of others arrive as events only to them: load the list fresh whenever it is shown.
  useEffect(() => { void refresh().catch(() => {}); }, [client, g.id]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <aside className="members" aria-label={t('members')} data-testid="members">
      <h2>{t('members')} ({members.length})</h2>
      <ul>
        {members.map((m) => {
          const name = memberName(state, g.id, m.number);
          const muted = m.mutedUntil && Date.parse(m.mutedUntil) > Date.now();
          const manage = canManage(summary, m, me);
          return (
            <li key={m.number} className="member" data-testid={`member-${m.number}`} data-role={m.role}>
              <span className="member-name">{name}{m.number === me && <span className="muted small"> ({t('you')})</span>}</span>
              {m.role !== 'member' && <span className={`role role-${m.role}`}>{t(`role_${m.role}`)}</span>}
              {muted && <span className="muted small">{t('mutedUntil', { time: formatTime(m.mutedUntil!, lang) })}</span>}
              {manage && (
                <span className="member-actions" role="group" aria-label={t('memberActions', { name })}>
                  <button type="button" className="link" onClick={() => onAction(async () => { await client.api.muteMember(g.id, m.number, muted ? 0 : 10); await refresh(); })}>{muted ? t('unmute') : t('mute10')}</button>
                  {summary.role === 'owner' && (
                    <button type="button" className="link" onClick={() => onAction(async () => { await client.api.setAdmin(g.id, m.number, m.role !== 'admin'); await refresh(); })}>
                      {m.role === 'admin' ? t('removeAdmin') : t('makeAdmin')}
                    </button>
                  )}
                  {summary.role === 'owner' && (
                    <button type="button" className="link" onClick={() => { if (confirm(t('confirmTransfer', { name, group: g.name }))) onAction(async () => { await client.api.transferGroup(g.id, m.number); await refresh(); }); }}>
                      {t('transferOwner')}
                    </button>
                  )}
                  <button type="button" className="link danger" onClick={() => { if (confirm(t('confirmKick', { name }))) onAction(async () => { await client.api.kick(g.id, m.number); await refresh(); }); }}>{t('kick')}</button>
                </span>
              )}
            </li>
          );
        })}
      </ul>
      <InviteFriend client={client} state={state} groupId={g.id} members={members} onAction={onAction} />
      {isAdmin(summary) && (
        <label className="block-label">{t('joinPolicyOf')}
          <select value={g.joinPolicy} data-testid="join-policy"
            onChange={(e) => onAction(() => client.api.updateChatGroup(g.id, { joinPolicy: e.target.value as GroupJoinPolicy }))}>
            {(['approval', 'open', 'invite'] as const).map((p) => <option key={p} value={p}>{t(`policy_${p}`)}</option>)}
          </select>
        </label>
      )}
      <form className="inline-form pad" onSubmit={(e) => { e.preventDefault(); onAction(async () => { await client.api.setCard(g.id, card.trim() || null); await refresh(); }); }}>
        <label className="block-label">{t('myCard')}<input value={card} maxLength={30} onChange={(e) => setCard(e.target.value)} /></label>
        <button type="submit">{t('setCard')}</button>
      </form>
      <label className="block-label">{t('notifyMode')}
        <select value={summary.notify} onChange={(e) => onAction(() => client.api.setNotify(g.id, e.target.value as GroupSummary['notify']))}>
          {(['notify', 'silent', 'block'] as const).map((n) => <option key={n} value={n}>{t(`notify_${n}`)}</option>)}
        </select>
      </label>
      <div className="pad member-footer">
        {isAdmin(summary) && (
          <button type="button" onClick={() => onAction(() => client.api.muteAll(g.id, !g.muteAll))}>{g.muteAll ? t('unmuteAll') : t('muteAll')}</button>
        )}
        {summary.role === 'owner'
          ? <button type="button" className="danger" onClick={() => { if (confirm(t('confirmDissolve', { name: g.name }))) onAction(async () => { await client.api.dissolveGroup(g.id); onClose(); }); }}>{t('dissolveGroup')}</button>
          : <button type="button" className="danger" onClick={() => { if (confirm(t('confirmLeave', { name: g.name }))) onAction(async () => { await client.api.leaveGroup(g.id); onClose(); }); }}>{t('leaveGroup')}</button>}
      </div>
    </aside>
  );
}

/** Any member invites a friend who is not in the group yet (§11: they get `group.invited` and join at once). */
function InviteFriend({ client, state, groupId, members, onAction }: {
  client: PenguinClient; state: ChatState; groupId: number; members: GroupMember[]; onAction(a: () => Promise<unknown>): void;
}) {
  const { t } = useI18n();
  const inside = new Set(members.map((m) => m.number));
  const friends = Object.values(state.friends).filter((f) => !inside.has(f.profile.number))
    .map((f) => ({ number: f.profile.number, name: displayName(state, f.profile.number) }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const [who, setWho] = useState('');
  const [sent, setSent] = useState<string | null>(null);
  const chosen = friends.find((f) => String(f.number) === who) ?? friends[0];
  return (
    <form className="inline-form pad" aria-label={t('inviteFriend')} data-testid="invite"
      onSubmit={(e) => { e.preventDefault(); if (chosen) onAction(async () => { await client.api.invite(groupId, chosen.number); setSent(t('invited', { name: chosen.name })); }); }}>
      {friends.length === 0 ? <span className="muted small">{t('noOneToInvite')}</span> : (
        <>
          <label className="block-label">{t('inviteWho')}
            <select value={chosen ? String(chosen.number) : ''} onChange={(e) => { setWho(e.target.value); setSent(null); }}>
              {friends.map((f) => <option key={f.number} value={f.number}>{f.name} ({f.number})</option>)}
            </select>
          </label>
          <button type="submit">{t('invite')}</button>
        </>
      )}
      {sent && <span className="muted small" role="status">{sent}</span>}
    </form>
  );
}
