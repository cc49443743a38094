import { describe, expect, it } from 'vitest';
import { detectLanguage, dictionaries, translator } from '../src/i18n';

describe('languages', () => {
  it('follows the browser unless the user chose', () => {
    expect(detectLanguage(null, ['zh-CN', 'en'])).toBe('zh');
    expect(detectLanguage(null, ['en-US'])).toBe('en');
    expect(detectLanguage(null, ['fr-FR', 'zh-TW'])).toBe('zh');
    expect(detectLanguage(null, ['fr-FR'])).toBe('en');
    expect(detectLanguage('en', ['zh-CN'])).toBe('en');
  });

  it('has every text in both languages', () => {
    const keys = Object.keys(dictionaries.en);
    expect(Object.keys(dictionaries.zh).sort()).toEqual([...keys].sort());
    for (const k of keys) {
      expect(dictionaries.zh[k as keyof typeof dictionaries.zh].trim()).not.toBe('');
      expect(dictionaries.en[k as keyof typeof dictionaries.en].trim()).not.toBe('');
    }
  });

  it('fills parameters', () => {
    expect(translator('zh')('groupCount', { name: '我的好友', online: 3, total: 12 })).toBe('我的好友 (3/12)');
    expect(translator('en')('typing', { name: 'Bob' })).toBe('Bob is typing…');
  });
});

import { shouldAnnounce } from '../src/notify';

describe('announcing new messages', () => {
  it('stays quiet for the chat in view and in do-not-disturb', () => {
    expect(shouldAnnounce({ hidden: false, viewing: 2, from: 2, status: 'online' })).toBe(false);
    expect(shouldAnnounce({ hidden: true, viewing: 2, from: 2, status: 'online' })).toBe(true);
    expect(shouldAnnounce({ hidden: false, viewing: 3, from: 2, status: 'busy' })).toBe(true);
    expect(shouldAnnounce({ hidden: true, viewing: null, from: 2, status: 'dnd' })).toBe(false);
  });
});
