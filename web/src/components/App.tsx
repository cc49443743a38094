import { useEffect, useMemo, useState } from 'react';
import type { PenguinClient } from '../client';
import { detectLanguage, I18nContext, translator, type Lang } from '../i18n';
import { useStore } from '../store';
import { totalGroupUnread, totalUnread } from '../state';
import { Login } from './Login';
import { Main } from './Main';

const LANG_KEY = 'penguin.lang';

export function App({ client }: { client: PenguinClient }) {
  const [lang, setLangState] = useState<Lang>(() => detectLanguage(localStorage.getItem(LANG_KEY), navigator.languages ?? [navigator.language]));
  const i18n = useMemo(() => ({
    lang, t: translator(lang),
    setLang(l: Lang) { localStorage.setItem(LANG_KEY, l); setLangState(l); },
  }), [lang]);
  const session = useStore(client.session);
  const state = useStore(client.state);
  const unread = totalUnread(state) + totalGroupUnread(state);

  useEffect(() => { document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en'; }, [lang]);
  useEffect(() => {
    const name = lang === 'zh' ? '企鹅 Penguin' : 'Penguin 企鹅';
    document.title = session && unread > 0 ? `(${unread}) ${name}` : name;
  }, [unread, lang, session]);
  useEffect(() => { if (session) client.start(); }, [session, client]);

  return (
    <I18nContext.Provider value={i18n}>
      {session ? <Main client={client} /> : <Login client={client} />}
    </I18nContext.Provider>
  );
}
