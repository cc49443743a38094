import { useState } from 'react';
import type { PenguinClient } from '../client';
import { errorText, useI18n } from '../i18n';
import type { Friend } from '../protocol';
import { useStore } from '../store';
import { buddyGroups, displayName, presenceOf } from '../state';
import { ApiError } from '../api';
import { Avatar, DeviceIcons, StatusDot } from './common';

export function BuddyList({ client, onOpen }: { client: PenguinClient; onOpen(peer: number): void }) {
  const { t } = useI18n();
  const state = useStore(client.state);
  const [collapsed, setCollapsed] = useState<Set<number>>(new Set());
  const groups = buddyGroups(state);
  const total = Object.keys(state.friends).length;

  function toggle(id: number) {
    const next = new Set(collapsed);
    if (next.has(id)) next.delete(id); else next.add(id);
    setCollapsed(next);
  }

  return (
    <nav aria-label={t('buddyList')} className="buddy-list">
      {total === 0 && <p className="muted pad">{t('noFriends')}</p>}
      {groups.map(({ group, friends, online }) => {
        const open = !collapsed.has(group.id);
        const label = t('groupCount', { name: group.name, online, total: friends.length });
        return (
          <div key={group.id} className="group">
            <div className="group-row">
              <button type="button" className="group-head" aria-expanded={open} aria-controls={`group-${group.id}`} onClick={() => toggle(group.id)}
                data-testid={`group-${group.id}`}>
                <span aria-hidden="true" className="caret">{open ? '▾' : '▸'}</span> {label}
              </button>
              <GroupMenu client={client} id={group.id} name={group.name} isDefault={group.isDefault} />
            </div>
            {open && (
              <ul id={`group-${group.id}`} className="friends">
                {friends.map((f) => <FriendRow key={f.profile.number} client={client} friend={f} onOpen={onOpen} />)}
              </ul>
            )}
          </div>
        );
      })}
      <NewGroup client={client} />
    </nav>
  );
}

function NewGroup({ client }: { client: PenguinClient }) {
  const { t, lang } = useI18n();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  if (!open) return <button type="button" className="link pad" onClick={() => setOpen(true)}>+ {t('newGroup')}</button>;
  return (
    <form className="inline-form pad" onSubmit={(e) => {
      e.preventDefault();
      client.api.createGroup(name).then(() => { setOpen(false); setName(''); setError(null); },
        (err) => setError(err instanceof ApiError ? errorText(lang, err) : String(err)));
    }} onKeyDown={(e) => { if (e.key === 'Escape') setOpen(false); }}>
      <input aria-label={t('groupName')} maxLength={20} required value={name} autoFocus onChange={(e) => setName(e.target.value)} />
      <button type="submit">{t('create')}</button>
      <button type="button" onClick={() => setOpen(false)}>{t('cancel')}</button>
      {error && <p className="error" role="alert">{error}</p>}
    </form>
  );
}

function GroupMenu({ client, id, name, isDefault }: { client: PenguinClient; id: number; name: string; isDefault: boolean }) {
  const { t, lang } = useI18n();
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState(name);
  const [error, setError] = useState<string | null>(null);
  async function run(action: () => Promise<unknown>) {
    try { await action(); setError(null); setOpen(false); } catch (e) { setError(e instanceof ApiError ? errorText(lang, e) : String(e)); }
  }
  return (
    <span className="group-menu">
      <button type="button" className="icon" aria-label={t('groupActions', { name })} aria-expanded={open} onClick={() => { setValue(name); setOpen(!open); }}>⋯</button>
      {open && (
        <div className="popover" role="group" aria-label={t('groupActions', { name })} onKeyDown={(e) => { if (e.key === 'Escape') setOpen(false); }}>
          <form className="inline-form" onSubmit={(e) => { e.preventDefault(); void run(() => client.api.renameGroup(id, value)); }}>
            <input aria-label={t('groupName')} maxLength={20} required value={value} autoFocus onChange={(e) => setValue(e.target.value)} />
            <button type="submit">{t('rename')}</button>
          </form>
          {!isDefault && <button type="button" className="danger" onClick={() => { if (confirm(t('confirmDeleteGroup', { name }))) void run(() => client.api.deleteGroup(id)); }}>{t('deleteGroup')}</button>}
          <button type="button" onClick={() => setOpen(false)}>{t('close')}</button>
          {error && <p className="error" role="alert">{error}</p>}
        </div>
      )}
    </span>
  );
}

function FriendRow({ client, friend, onOpen }: { client: PenguinClient; friend: Friend; onOpen(peer: number): void }) {
  const { t, lang } = useI18n();
  const state = useStore(client.state);
  const [menu, setMenu] = useState(false);
  const [remark, setRemark] = useState(friend.remark ?? '');
  const [error, setError] = useState<string | null>(null);
  const number = friend.profile.number;
  const presence = presenceOf(state, number);
  const name = displayName(state, number);
  const offline = presence.status === 'offline';

  async function run(action: () => Promise<unknown>) {
    try { await action(); setError(null); setMenu(false); } catch (e) { setError(e instanceof ApiError ? errorText(lang, e) : String(e)); }
  }

  return (
    <li className={`friend ${offline ? 'offline' : ''}`} data-testid={`friend-${number}`} data-status={presence.status}>
      <button type="button" className="friend-main" onClick={() => onOpen(number)} aria-label={`${t('chatWith', { name })}, ${t(`status_${presence.status}`)}`}>
        <span className="avatar-wrap"><Avatar avatar={friend.profile.avatar} name={friend.profile.nickname} /><StatusDot status={presence.status} /></span>
        <span className="friend-text">
          <span className="friend-name">{name}{friend.remark && <span className="muted"> ({friend.profile.nickname})</span>}</span>
          <span className="friend-sig muted">{friend.profile.signature ?? ''}</span>
        </span>
        <DeviceIcons presence={presence} />
      </button>
      <button type="button" className="icon" aria-label={t('friendActions', { name })} aria-expanded={menu} onClick={() => setMenu(!menu)}>⋯</button>
      {menu && (
        <div className="popover" role="group" aria-label={t('friendActions', { name })} onKeyDown={(e) => { if (e.key === 'Escape') setMenu(false); }}>
          <form className="inline-form" onSubmit={(e) => { e.preventDefault(); void run(() => client.api.updateFriend(number, { remark })); }}>
            <input aria-label={t('remark')} maxLength={24} value={remark} onChange={(e) => setRemark(e.target.value)} autoFocus />
            <button type="submit">{t('setRemark')}</button>
          </form>
          <label className="block-label">{t('moveToGroup')}
            <select value={friend.groupId} onChange={(e) => void run(() => client.api.updateFriend(number, { groupId: Number(e.target.value) }))}>
              {state.groups.map((g) => <option key={g.id} value={g.id}>{g.name}</option>)}
            </select>
          </label>
          <button type="button" onClick={() => { if (confirm(t('confirmRemove', { name }))) void run(() => client.api.removeFriend(number)); }}>{t('removeFriend')}</button>
          <button type="button" className="danger" onClick={() => { if (confirm(t('confirmBlock', { name }))) void run(() => client.api.block(number)); }}>{t('block')}</button>
          <button type="button" onClick={() => setMenu(false)}>{t('close')}</button>
          {error && <p className="error" role="alert">{error}</p>}
        </div>
      )}
    </li>
  );
}
