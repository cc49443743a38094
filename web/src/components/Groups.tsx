import { useEffect, useState } from 'react';
import { ApiError } from '../api';
import type { PenguinClient } from '../client';
import { groupList } from '../groups';
import { errorText, useI18n } from '../i18n';
import type { GroupJoinPolicy } from '../protocol';
import { useStore } from '../store';
import { displayName } from '../state';
import { attachmentPreview } from './Attachment';
import { Avatar, formatTime } from './common';

/** The Groups tab: my groups with unread badges, create, join by number, and the admins' requests inbox. */
export function Groups({ client, current, onOpen }: { client: PenguinClient; current: number | null; onOpen(groupId: number): void }) {
  const { t, lang } = useI18n();
  const state = useStore(client.state);
  const chat = state.chat;
  const list = groupList(chat);
  const me = state.me?.number ?? 0;
  const [name, setName] = useState('');
  const [policy, setPolicy] = useState<GroupJoinPolicy>('approval');
  const [number, setNumber] = useState('');
  const [message, setMessage] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const requests = Object.values(chat.requests);
  // New requests arrive live (`group.request`); one another admin answered is gone when the tab is shown again.
  useEffect(() => { void client.loadGroupRequests().catch(() => {}); }, [client]);

  /** Approves or refuses; a request another admin answered meanwhile (not_found) just leaves the inbox. */
  const answer = (groupId: number, id: number, approve: boolean) => run(async () => {
    try {
      if (approve) await client.api.approveJoin(groupId, id); else await client.api.refuseJoin(groupId, id);
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 'not_found')) throw e;
    }
    client.dropGroupRequest(id);
    return null;
  });

  async function run(action: () => Promise<string | null>) {
    try { setNotice(await action()); setError(null); } catch (e) {
      setNotice(null);
      setError(e instanceof ApiError ? errorText(lang, e) : String(e));
    }
  }

  const create = () => run(async () => {
    const g = await client.createGroup(name.trim(), policy);
    setName('');
    onOpen(g.group.id);
    return t('groupCreated', { name: g.group.name, id: g.group.id });
  });

  const join = () => run(async () => {
    if (!/^\d{1,15}$/.test(number.trim())) throw new Error(t('groupNumberInvalid'));
    const id = Number(number.trim());
    const info = await client.api.group(id);
    const result = await client.joinGroup(id, message.trim() || undefined);
    setNumber('');
    setMessage('');
    if (result === 'joined') { onOpen(id); return t('joinedGroup', { name: info.name }); }
    return t('joinPending', { name: info.name });
  });

  return (
    <div className="groups">
      {notice && <p className="notice" role="status">{notice}</p>}
      {error && <p className="error" role="alert">{error}</p>}
      {Object.entries(chat.joins).filter(([, v]) => v === 'refused').map(([id]) => (
        <p key={id} className="notice warn" role="status">{t('joinRefused', { name: id })}</p>
      ))}
      {Object.values(chat.invitations).map(({ group, by }) => (
        <div key={group.id} className="req" data-testid={`invitation-${group.id}`}>
          <span className="req-text">{t('invitedTo', { name: displayName(state, by), group: group.name })}</span>
          <button type="button" onClick={() => void run(async () => { await client.joinGroup(group.id); onOpen(group.id); return t('joinedGroup', { name: group.name }); })}>{t('join')}</button>
        </div>
      ))}
      {requests.length > 0 && (
        <section aria-labelledby="group-requests-title">
          <h2 id="group-requests-title">{t('groupRequests')}</h2>
          <ul>
            {requests.map((r) => {
              const group = chat.groups[r.groupId]?.group.name ?? String(r.groupId);
              return (
                <li key={r.id} className="req" data-testid={`group-request-${r.from}`}>
                  <span className="req-text">
                    <span>{t('wantsToJoin', { name: displayName(state, r.from), group })}</span>
                    {r.message && <span className="req-msg">{r.message}</span>}
                  </span>
                  <span className="req-actions">
                    <button type="button" className="primary" onClick={() => void answer(r.groupId, r.id, true)}>{t('approve')}</button>
                    <button type="button" onClick={() => void answer(r.groupId, r.id, false)}>{t('refuse')}</button>
                  </span>
                </li>
              );
            })}
          </ul>
        </section>
      )}
      <h2 id="my-groups-title">{t('myGroups')}</h2>
      {list.length === 0 && <p className="muted pad">{t('noGroups')}</p>}
      <ul aria-labelledby="my-groups-title" className="conv-list">
        {list.map((g) => {
          const last = chat.last[g.group.id];
          const mentioned = (chat.mentioned[g.group.id] ?? 0) > g.readSeq;
          const preview = !last ? '' : last.recalled ? t('recalledPreview')
            : t('groupPreview', { name: last.from === me ? t('you') : displayName(state, last.from), text: last.text || (last.attachment ? attachmentPreview(t, last.attachment) : '') });
          return (
            <li key={g.group.id}>
              <button type="button" className={`conv ${current === g.group.id ? 'current' : ''}`} onClick={() => onOpen(g.group.id)} data-testid={`group-${g.group.id}`}
                aria-label={`${g.group.name}${g.unread ? ', ' + t('unreadCount', { count: g.unread }) : ''}`}>
                <Avatar avatar={g.group.avatar} name={g.group.name} />
                <span className="conv-text">
                  <span className="conv-top"><span className="friend-name">{g.group.name}</span>{last && <span className="muted small">{formatTime(last.sentAt, lang)}</span>}</span>
                  <span className="conv-bottom">
                    <span className="preview">{mentioned && <strong className="mention-flag">{t('mentionedMe')}</strong>}{preview}</span>
                    {g.unread > 0 && <span className={`badge ${g.notify !== 'notify' ? 'quiet' : ''}`} data-testid="unread">{g.unread}</span>}
                  </span>
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      <form className="block-form" aria-labelledby="create-group-title" onSubmit={(e) => { e.preventDefault(); if (name.trim()) void create(); }}>
        <h2 id="create-group-title">{t('createGroup')}</h2>
        <label className="block-label">{t('newGroupName')}
          <input value={name} maxLength={30} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="block-label">{t('joinPolicy')}
          <select value={policy} onChange={(e) => setPolicy(e.target.value as GroupJoinPolicy)}>
            {(['approval', 'open', 'invite'] as const).map((p) => <option key={p} value={p}>{t(`policy_${p}`)}</option>)}
          </select>
        </label>
        <div className="pad"><button type="submit" className="primary" disabled={!name.trim()}>{t('createGroup')}</button></div>
      </form>
      <form className="block-form" aria-labelledby="join-group-title" onSubmit={(e) => { e.preventDefault(); void join(); }}>
        <h2 id="join-group-title">{t('joinGroup')}</h2>
        <label className="block-label">{t('groupNumber')}
          <input inputMode="numeric" value={number} maxLength={15} onChange={(e) => setNumber(e.target.value)} />
        </label>
        <label className="block-label">{t('joinMessage')}
          <input value={message} maxLength={100} onChange={(e) => setMessage(e.target.value)} />
        </label>
        <div className="pad"><button type="submit" disabled={!number.trim()}>{t('join')}</button></div>
      </form>
    </div>
  );
}
