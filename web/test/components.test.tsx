import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PenguinClient } from '../src/client';
import { App } from '../src/components/App';
import { BuddyList } from '../src/components/BuddyList';
import { ChatWindow } from '../src/components/ChatWindow';
import { I18nContext, translator } from '../src/i18n';
import { emptyState } from '../src/state';
import { MemoryStorage, alice, bob, msg } from './fakes';

beforeAll(() => {
  // jsdom has no layout: give the virtualised list a size so it renders rows.
  Object.defineProperty(HTMLElement.prototype, 'offsetHeight', { configurable: true, get: () => 600 });
  Object.defineProperty(HTMLElement.prototype, 'offsetWidth', { configurable: true, get: () => 800 });
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 600 });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 800 });
  HTMLElement.prototype.getBoundingClientRect = () => ({ x: 0, y: 0, top: 0, left: 0, bottom: 600, right: 800, width: 800, height: 600, toJSON() {} }) as DOMRect;
  globalThis.ResizeObserver ??= class { observe() {} unobserve() {} disconnect() {} } as unknown as typeof ResizeObserver;
  Element.prototype.scrollTo ??= function () {};
});
afterEach(() => cleanup());

function clientWith(lang: 'zh' | 'en') {
  const client = new PenguinClient(new MemoryStorage(), 'ws://x');
  client.loadHistory = vi.fn(async () => {});
  client.state.set({
    ...emptyState(), me: alice, connectivity: 'online',
    groups: [{ id: 1, name: '我的好友', position: 0, isDefault: true }],
    friends: { [bob.number]: { profile: { ...bob, signature: '<script>alert(1)</script>' }, groupId: 1, presence: { number: bob.number, status: 'online', devices: ['pc', 'mobile'] } } },
  });
  const wrap = (ui: React.ReactNode) => <I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => {} }}>{ui}</I18nContext.Provider>;
  return { client, wrap };
}

describe('components', () => {
  it('renders what people typed as text, never as HTML', async () => {
    const { client, wrap } = clientWith('en');
    const evil = '<img src=x onerror="alert(1)"><b>bold</b>';
    client.state.update((s) => ({ ...s, histories: { [bob.number]: { items: [msg(1, bob.number, alice.number, 1, evil)], more: false, loaded: true } } }));
    const { container } = render(wrap(<ChatWindow client={client} peer={bob.number} onClose={() => {}} />));
    expect(await screen.findByText(evil)).toBeTruthy();
    expect(container.querySelector('.messages img, .messages b')).toBeNull();
  });

  it('renders only the visible rows of a 100,000-message history', async () => {
    const { client, wrap } = clientWith('en');
    const items = Array.from({ length: 100_000 }, (_, i) => msg(i + 1, i % 2 ? alice.number : bob.number, i % 2 ? bob.number : alice.number, i + 1, `message ${i + 1}`));
    client.state.update((s) => ({ ...s, histories: { [bob.number]: { items, more: false, loaded: true } } }));
    const { container } = render(wrap(<ChatWindow client={client} peer={bob.number} onClose={() => {}} />));
    await screen.findByText('message 1'); // jsdom does not scroll: the first rows are the visible ones
    const rows = container.querySelectorAll('.vrow').length;
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThan(60);
  }, 30_000); // building 100,000 rows is slow on a busy machine; the assertion is about what renders, not time

  it('shows the buddy list with group counts, presence and device labels (Chinese)', () => {
    const { client, wrap } = clientWith('zh');
    render(wrap(<BuddyList client={client} onOpen={() => {}} />));
    expect(screen.getByRole('button', { name: /我的好友 \(1\/1\)/ }).getAttribute('aria-expanded')).toBe('true');
    expect(screen.getByRole('img', { name: '在线设备：电脑, 手机' })).toBeTruthy();
    expect(screen.getByText('<script>alert(1)</script>')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: /^我的好友 \(/ }));
    expect(screen.queryByText('Bob')).toBeNull();
  });

  it('labels every control of the chat window', () => {
    const { client, wrap } = clientWith('en');
    client.state.update((s) => ({ ...s, histories: { [bob.number]: { items: [msg(1, alice.number, bob.number, 1)], more: false, loaded: true } } }));
    render(wrap(<ChatWindow client={client} peer={bob.number} onClose={() => {}} />));
    for (const el of [...document.querySelectorAll('button, input, textarea, select')]) {
      const name = el.getAttribute('aria-label') || el.textContent?.trim() || (el.id && document.querySelector(`label[for="${el.id}"]`)?.textContent);
      expect(name, el.outerHTML).toBeTruthy();
    }
    const input = screen.getByRole('textbox', { name: 'Message' });
    fireEvent.click(screen.getByRole('button', { name: 'Emoji' }));
    fireEvent.click(screen.getByRole('button', { name: 'Insert 🐧' }));
    expect((input as HTMLTextAreaElement).value).toBe('🐧');
  });

  it('switches language from the login page and keeps the choice', () => {
    localStorage.clear();
    const client = new PenguinClient(new MemoryStorage(), 'ws://x');
    render(<App client={client} />);
    act(() => { fireEvent.change(screen.getByRole('combobox', { name: /Language|语言/ }), { target: { value: 'zh' } }); });
    expect(screen.getByRole('heading', { name: '登录企鹅' })).toBeTruthy();
    expect(localStorage.getItem('penguin.lang')).toBe('zh');
    act(() => { fireEvent.change(screen.getByRole('combobox', { name: '语言' }), { target: { value: 'en' } }); });
    expect(screen.getByRole('heading', { name: 'Log in to Penguin' })).toBeTruthy();
  });
});

describe('avatars', () => {
  it('shows an uploaded avatar as the picture the server serves, and a built-in one as a coloured initial', async () => {
    const { Avatar } = await import('../src/components/common');
    const digest = 'ab'.repeat(32);
    const { container } = render(<><Avatar avatar={`/api/v1/avatars/${digest}`} name="小企鹅" /><Avatar avatar="penguin-03" name="Bob" /></>);
    const img = container.querySelector('img.avatar');
    expect(img?.getAttribute('src')).toBe(`/api/v1/avatars/${digest}`);
    expect(container.querySelector('span.avatar.av-3')?.textContent).toBe('B');
  });

  it('never loads a picture from anywhere but the avatar path', async () => {
    const { Avatar } = await import('../src/components/common');
    const { container } = render(<><Avatar avatar="https://evil.example/a.png" name="X" /><Avatar avatar="/api/v1/avatars/../files/1" name="Y" /></>);
    expect(container.querySelector('img')).toBeNull();
    expect([...container.querySelectorAll('span.avatar')].map((e) => e.textContent)).toEqual(['X', 'Y']);
  });
});
