// End-to-end tests: Debian's Chromium driven by playwright-core against the real penguin-server.
// Ends with "N passed, N failed, N skipped". Screenshots go to web/artifacts/screenshots (git-ignored).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { PenguinServer } from './server.mjs';

const artifacts = resolve(import.meta.dirname, '../artifacts/screenshots');
rmSync(artifacts, { recursive: true, force: true });
mkdirSync(artifacts, { recursive: true });
const executablePath = process.env.PENGUIN_CHROMIUM ?? '/usr/bin/chromium';
const chromeArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
const timings = {};

function assert(condition, message) { if (!condition) throw new Error(message); }
async function eventually(fn, what, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    try { if (await fn()) return; } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}
const scratch = mkdtempSync(join(tmpdir(), 'penguin-e2e-files-'));
async function tempFile(name, bytes) { const path = join(scratch, name); await writeFile(path, bytes); return path; }
const shot = (page, name) => page.screenshot({ path: join(artifacts, `${name}.png`) });

/** A WAV voice clip of `ms` milliseconds: 8 kHz, 16-bit mono, a 440 Hz tone. */
function wav(ms, rate = 8000) {
  const n = Math.round((rate * ms) / 1000);
  const b = Buffer.alloc(44 + n * 2);
  b.write('RIFF', 0); b.writeUInt32LE(36 + n * 2, 4); b.write('WAVE', 8); b.write('fmt ', 12);
  b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22); b.writeUInt32LE(rate, 24); b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34); b.write('data', 36); b.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return b;
}

// ---- shared world: one server, two people in two browser contexts ----
const server = await PenguinServer.create();
let browser;
const world = {};

function watch(page, label) {
  page.on('pageerror', (e) => world.problems.push(`${label}: page error ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(m.text())) world.problems.push(`${label}: console ${m.text()}`);
    if (/Content Security Policy/i.test(m.text())) world.problems.push(`${label}: CSP ${m.text()}`);
  });
}

async function register(page, nickname, password, lang) {
  const started = Date.now();
  await page.goto(server.url + '/');
  await page.locator('form button[type=submit]').waitFor();
  timings.loginUsableMs ??= Date.now() - started;
  await page.getByRole('button', { name: lang === 'zh' ? '注册新账号' : 'Create an account' }).click();
  await page.getByLabel(lang === 'zh' ? '昵称' : 'Nickname').fill(nickname);
  await page.getByLabel(lang === 'zh' ? '密码' : 'Password').fill(password);
  await page.locator('form button[type=submit]').click();
  await page.getByTestId('my-nickname').waitFor();
  const label = await page.locator('.me-name .muted').textContent();
  return Number(/(\d+)/.exec(label)[1]);
}

const friendRow = (page, number) => page.getByTestId(`friend-${number}`);
const messages = (page) => page.getByTestId('messages').getByTestId('message');
/** Waits until the "connecting" banner above the tabs is gone (call it once the page shows what it loaded after
 *  connecting): a click while it goes can land where the tabs were. */
async function online(page) {
  await eventually(async () => (await page.getByTestId('connection').count()) === 0, 'the page online', 20_000);
}
async function textsIn(page) { return (await page.getByTestId('messages').locator('.text').allTextContents()); }

test('serves the client at / with a strict CSP, and leaves the server paths alone', async () => {
  const root = await fetch(server.url + '/');
  const csp = root.headers.get('content-security-policy') ?? '';
  assert(root.ok && csp.includes("script-src 'self'") && csp.includes("connect-src 'self'") && !csp.includes('unsafe-inline'), `CSP: ${csp}`);
  // Pictures and voice clips are fetched with the token and shown from blob: URLs; nothing else is allowed.
  assert(csp.includes("img-src 'self' data: blob:") && csp.includes('media-src blob:') && !/script-src[^;]*blob:/.test(csp), `CSP: ${csp}`);
  const html = await root.text();
  assert(!/<script(?![^>]*\bsrc=)[^>]*>/.test(html), 'index.html has no inline script');
  const deep = await fetch(server.url + '/chats/10002');
  assert(deep.ok && (await deep.text()).includes('id="root"'), 'an app route gets index.html');
  for (const path of ['/api/v1/nope', '/api/v1', '/healthz/x', '/metrics/x', '/openapi/x', '/docs/x', '/missing.js']) {
    const r = await fetch(server.url + path);
    assert(r.status === 404 && !(await r.text()).includes('id="root"'), `${path} answered ${r.status} with the app`);
  }
  assert((await fetch(server.url + '/healthz')).ok, '/healthz still answers');
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)[1];
  for (const [accept, encoding] of [['br, gzip', 'br'], ['gzip', 'gzip'], ['identity', null]]) {
    const r = await fetch(server.url + script, { headers: { 'Accept-Encoding': accept } });
    assert(r.ok && r.headers.get('content-encoding') === encoding, `${script} with ${accept}: ${r.headers.get('content-encoding')}`);
    assert(r.headers.get('content-type').startsWith('text/javascript') && (await r.text()).length > 1000, 'the script itself');
  }
  const ws = await fetch(server.url + '/ws');
  assert(ws.status === 400, `/ws without upgrade answered ${ws.status}`);
  const post = await fetch(server.url + '/api/v1/me', { method: 'POST' });
  assert(post.status === 405, `a wrong method is still 405, got ${post.status}`);
});

test('two people register (Chinese and English pages)', async () => {
  world.a = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1100, height: 720 } });
  world.b = await browser.newContext({ locale: 'en-US', viewport: { width: 1100, height: 720 } });
  // Test hook outside the app: remember the page's WebSockets so a test can cut them.
  await world.b.addInitScript(() => {
    const Native = window.WebSocket;
    window.__sockets = [];
    window.WebSocket = class extends Native {
      constructor(...args) { super(...args); window.__sockets.push(this); }
    };
  });
  // Alice allows notifications; record them (headless Chromium shows none).
  await world.a.grantPermissions(['notifications'], { origin: server.url });
  await world.a.addInitScript(() => {
    window.__notes = [];
    window.Notification = class extends window.Notification {
      constructor(title, options) { super(title, options); window.__notes.push({ title, body: options?.body }); }
    };
  });
  world.pa = await world.a.newPage();
  world.pb = await world.b.newPage();
  watch(world.pa, 'alice');
  watch(world.pb, 'bob');
  await world.pa.goto(server.url + '/');
  await world.pa.getByRole('heading', { name: '登录企鹅' }).waitFor();
  // What the first load really moved: every script, as transferred (compressed) and decoded.
  const js = await world.pa.evaluate(() => performance.getEntriesByType('resource').filter((r) => r.name.endsWith('.js'))
    .map((r) => ({ transfer: r.transferSize, decoded: r.decodedBodySize })));
  timings.firstLoadJsTransferBytes = js.reduce((n, r) => n + r.transfer, 0);
  timings.firstLoadJsDecodedBytes = js.reduce((n, r) => n + r.decoded, 0);
  assert(timings.firstLoadJsTransferBytes > 0 && timings.firstLoadJsTransferBytes < 300 * 1024, `first load moved ${timings.firstLoadJsTransferBytes} bytes of script`);
  await shot(world.pa, 'login');
  world.alice = await register(world.pa, 'Alice 爱丽丝', 'correct-horse', 'zh');
  world.bob = await register(world.pb, 'Bob', 'battery-staple', 'en');
  assert(world.bob === world.alice + 1, `numbers ${world.alice}, ${world.bob}`);
  assert(await world.pa.getByRole('tab', { name: '好友' }).isVisible(), 'the Chinese page has Chinese tabs');
  assert(await world.pb.getByRole('tab', { name: 'Friends' }).isVisible(), 'the English page has English tabs');
});

test('Alice finds Bob and adds him; Bob accepts; both see each other online', async () => {
  const { pa, pb, alice, bob } = world;
  await pa.getByRole('tab', { name: /验证消息/ }).click();
  await pa.getByLabel('按号码或昵称搜索').fill(String(bob));
  await pa.getByRole('button', { name: '搜索', exact: true }).click();
  await pa.getByLabel('验证信息').fill('我是 Alice');
  await pa.getByTestId(`user-${bob}`).getByRole('button', { name: /加好友/ }).click();
  await pa.getByText('已向 Bob 发送好友申请。').waitFor();

  await pb.getByRole('tab', { name: /Requests/ }).click();
  const request = pb.getByTestId(`request-${alice}`);
  await request.getByText('我是 Alice').waitFor();
  await request.getByRole('button', { name: /Accept/ }).click();

  await pa.getByRole('tab', { name: '好友' }).click();
  await pb.getByRole('tab', { name: 'Friends' }).click();
  await eventually(async () => (await friendRow(pa, bob).getAttribute('data-status')) === 'online', 'Alice to see Bob online');
  await eventually(async () => (await friendRow(pb, alice).getAttribute('data-status')) === 'online', 'Bob to see Alice online');
  await pa.getByText('我的好友 (1/1)').waitFor();
  assert(await friendRow(pa, bob).getByRole('img', { name: /网页/ }).isVisible(), 'a web device icon');
});

test('presence changes show up live (busy, invisible, back online); a new signature reaches friends', async () => {
  const { pa, pb, alice, bob } = world;
  await pa.getByRole('button', { name: '编辑个性签名' }).click();
  await pa.getByLabel('个性签名').fill('今天也要加油 🐧');
  await pa.getByRole('button', { name: '保存' }).click();
  await friendRow(pb, alice).getByText('今天也要加油 🐧').waitFor();
  await pb.getByLabel('Status').selectOption('busy');
  await eventually(async () => (await friendRow(pa, bob).getAttribute('data-status')) === 'busy', 'Bob busy');
  await pb.getByLabel('Status').selectOption('invisible');
  await eventually(async () => (await friendRow(pa, bob).getAttribute('data-status')) === 'offline', 'Bob invisible = offline');
  await pa.getByText('我的好友 (0/1)').waitFor();
  await pb.getByLabel('Status').selectOption('online');
  await eventually(async () => (await friendRow(pa, bob).getAttribute('data-status')) === 'online', 'Bob online again');
  await shot(pa, 'buddy-list');
});

test('a remark names the friend', async () => {
  const { pa, bob } = world;
  await friendRow(pa, bob).getByRole('button', { name: 'Bob 的操作' }).click();
  await friendRow(pa, bob).getByLabel('备注').fill('小波');
  await friendRow(pa, bob).getByRole('button', { name: '修改备注' }).click();
  await friendRow(pa, bob).getByText('小波').waitFor();
  // The chat keeps using the remark; clear it again so the later steps read "Bob".
  await friendRow(pa, bob).getByRole('button', { name: '小波 的操作' }).click();
  await friendRow(pa, bob).getByLabel('备注').fill('');
  await friendRow(pa, bob).getByRole('button', { name: '修改备注' }).click();
  await eventually(async () => !(await friendRow(pa, bob).getByText('小波').count()), 'the remark cleared');
});

test('buddy groups: create one, move a friend into it, delete it (the friend goes back)', async () => {
  const { pa, bob } = world;
  await pa.getByRole('button', { name: '+ 新建分组' }).click();
  await pa.getByLabel('分组名称').fill('同学');
  await pa.getByRole('button', { name: '创建' }).click();
  await pa.getByText('同学 (0/0)').waitFor();
  await friendRow(pa, bob).getByRole('button', { name: 'Bob 的操作' }).click();
  await friendRow(pa, bob).getByLabel('移动到分组').selectOption({ label: '同学' });
  await pa.getByText('同学 (1/1)').waitFor();
  await pa.getByText('我的好友 (0/0)').waitFor();
  pa.once('dialog', (d) => d.accept());
  await pa.getByRole('button', { name: '分组“同学”的操作' }).click();
  await pa.getByRole('button', { name: '删除分组' }).click();
  await pa.getByText('我的好友 (1/1)').waitFor();
  assert(await pa.getByText(/^同学 \(/).count() === 0, 'the group is gone');
});

test('chat both ways: unread, typing, sent → delivered → read, emoji, page title', async () => {
  const { pa, pb, alice, bob } = world;
  await friendRow(pa, bob).getByRole('button', { name: /与 Bob 聊天/ }).click();
  const input = pa.getByLabel('消息', { exact: true });
  await input.fill('晚上一起吃饭吗？');
  await pa.getByRole('button', { name: '表情' }).click();
  await pa.getByRole('button', { name: '插入 🍜' }).click();
  await input.press('Enter');
  await eventually(async () => (await textsIn(pa)).includes('晚上一起吃饭吗？🍜'), 'Alice sees her message');

  // Bob is on another tab: the message is unread there, in the badge and the page title.
  await pb.getByRole('tab', { name: /Chats/ }).click();
  await eventually(async () => (await pb.getByTestId(`conv-${alice}`).getByTestId('unread').textContent()) === '1', 'Bob unread 1');
  await eventually(async () => (await pb.title()).startsWith('(1)'), 'the unread count in Bob\'s page title');
  // Delivered once Bob's client acknowledged it, read when he opens the chat.
  const state = pa.getByTestId('messages').getByTestId('state').last();
  await eventually(async () => (await state.getAttribute('data-state')) === 'delivered', 'delivered');
  await pb.getByTestId(`conv-${alice}`).click();
  await eventually(async () => (await state.getAttribute('data-state')) === 'read', 'read');
  await eventually(async () => !(await pb.title()).startsWith('('), 'Bob\'s title without unread');

  const bobInput = pb.getByLabel('Message', { exact: true });
  await bobInput.pressSequentially('Sure, 7 pm', { delay: 20 });
  await pa.getByText('Bob 正在输入……').waitFor();
  await bobInput.press('Enter');
  await eventually(async () => (await textsIn(pa)).includes('Sure, 7 pm'), 'Alice sees Bob\'s reply');
  await eventually(async () => !(await pa.getByText('Bob 正在输入……').isVisible()), 'typing ends with the message');
  await shot(pa, 'chat');
  await shot(pb, 'chat-en');
});

test('text that looks like HTML is shown as text, never run', async () => {
  const { pa, pb } = world;
  const evil = '<img src=x onerror="window.__pwned=1"><b>bold</b>';
  await pa.getByLabel('消息', { exact: true }).fill(evil);
  await pa.getByLabel('消息', { exact: true }).press('Enter');
  await eventually(async () => (await textsIn(pb)).includes(evil), 'Bob sees the text');
  assert(await pb.getByTestId('messages').locator('img, b').count() === 0, 'no element was made from the text');
  assert(await pb.evaluate(() => window.__pwned) === undefined, 'no script ran');
});

test('recall and delete for me', async () => {
  const { pa, pb } = world;
  await pa.getByLabel('消息', { exact: true }).fill('这条要撤回');
  await pa.getByLabel('消息', { exact: true }).press('Enter');
  await eventually(async () => (await textsIn(pb)).includes('这条要撤回'), 'Bob got it');
  const mine = messages(pa).filter({ hasText: '这条要撤回' });
  await mine.hover();
  await mine.getByRole('button', { name: '撤回' }).click();
  await pb.getByText('Alice 爱丽丝 recalled a message').waitFor();
  assert(!(await textsIn(pb)).includes('这条要撤回'), 'the text is gone on Bob\'s side');
  await pa.getByText('你撤回了一条消息').waitFor();

  const theirs = messages(pb).filter({ hasText: 'Sure, 7 pm' });
  await theirs.hover();
  await theirs.getByRole('button', { name: 'Delete for me' }).click();
  await eventually(async () => !(await textsIn(pb)).includes('Sure, 7 pm'), 'deleted for Bob');
  assert((await textsIn(pa)).includes('Sure, 7 pm'), 'Alice keeps it');
});

test('search messages in the chat and across all', async () => {
  const { pa } = world;
  await pa.getByRole('button', { name: '在此会话中搜索' }).click();
  await pa.getByRole('searchbox', { name: '在此会话中搜索' }).fill('吃饭');
  await pa.getByRole('searchbox', { name: '在此会话中搜索' }).press('Enter');
  await pa.locator('.chat-search').getByText('1 条结果').waitFor();
  await pa.locator('.chat-search').getByRole('button', { name: '关闭' }).click();
  await pa.getByRole('tab', { name: /会话/ }).click();
  await pa.getByRole('searchbox', { name: '搜索全部会话' }).fill('7 pm');
  await pa.getByRole('searchbox', { name: '搜索全部会话' }).press('Enter');
  await pa.locator('.results').getByText('Sure, 7 pm').waitFor();
});

test('a reload keeps the session and shows the same state', async () => {
  const { pa, bob } = world;
  const started = Date.now();
  await pa.reload();
  await friendRow(pa, bob).waitFor();
  timings.reloadUsableMs = Date.now() - started;
  await pa.getByRole('tab', { name: /会话/ }).click();
  await pa.getByTestId(`conv-${bob}`).click();
  await eventually(async () => (await textsIn(pa)).includes('晚上一起吃饭吗？🍜'), 'history after reload');
  assert((await textsIn(pa)).filter((x) => x === 'Sure, 7 pm').length === 1, 'each message once after reload');
});

test('a server restart: reconnecting is shown, a message typed meanwhile is sent exactly once', async () => {
  const { pa, pb } = world;
  let started = Date.now();
  await server.stop();
  timings.serverStopMs = Date.now() - started;
  await pa.getByTestId('connection').waitFor();
  await pb.getByTestId('connection').waitFor();
  await shot(pa, 'reconnecting');
  const text = '断线时写的消息 typed offline';
  await pa.getByLabel('消息', { exact: true }).fill(text);
  await pa.getByLabel('消息', { exact: true }).press('Enter');
  await messages(pa).filter({ hasText: text }).getByText('连接恢复后发送').waitFor();
  started = Date.now();
  await server.start();
  timings.serverStartMs = Date.now() - started;
  await eventually(async () => (await textsIn(pb)).includes(text), 'Bob gets the offline message', 20_000);
  timings.offlineMessageDeliveredAfterRestartMs = Date.now() - started;
  await eventually(async () => (await pa.getByTestId('connection').count()) === 0, 'Alice back online', 20_000);
  await eventually(async () => (await messages(pa).filter({ hasText: text }).getByTestId('state').getAttribute('data-state')) === 'read', 'confirmed and read');
  // Exactly once on both sides, also after reloading from the server's history.
  assert((await textsIn(pa)).filter((x) => x === text).length === 1, 'once for Alice');
  assert((await textsIn(pb)).filter((x) => x === text).length === 1, 'once for Bob');
  await pb.reload();
  await friendRow(pb, world.alice).waitFor();
  await online(pb);
  await pb.getByRole('tab', { name: /Chats/ }).click();
  await pb.getByTestId(`conv-${world.alice}`).click();
  await eventually(async () => (await textsIn(pb)).includes(text), 'in Bob\'s history');
  assert((await textsIn(pb)).filter((x) => x === text).length === 1, 'once in Bob\'s history');
});

test('a socket dropped under the page recovers without losing or duplicating', async () => {
  const { pa, pb } = world;
  // Bob's network goes away and his socket is cut; Alice writes meanwhile; then the network is back.
  await world.b.setOffline(true);
  await pb.evaluate(() => { for (const s of window.__sockets) s.close(); });
  await pb.getByTestId('connection').filter({ hasText: 'reconnecting' }).waitFor();
  await pa.getByLabel('消息', { exact: true }).fill('while you were away');
  await pa.getByLabel('消息', { exact: true }).press('Enter');
  await eventually(async () => (await messages(pa).filter({ hasText: 'while you were away' }).getByTestId('state').getAttribute('data-state')) === 'sent', 'stored, not delivered');
  assert(!(await textsIn(pb)).includes('while you were away'), 'Bob is really cut off');
  await world.b.setOffline(false);
  await pb.evaluate(() => window.dispatchEvent(new Event('online')));
  await eventually(async () => (await textsIn(pb)).includes('while you were away'), 'Bob catches up');
  await pb.getByLabel('Message', { exact: true }).fill('back again');
  await pb.getByLabel('Message', { exact: true }).press('Enter');
  await eventually(async () => (await textsIn(pa)).includes('back again'), 'Alice gets Bob\'s');
  assert((await textsIn(pb)).filter((x) => x === 'while you were away').length === 1, 'once');
  await shot(pa, 'chat-history');
});

test('my devices: end another session; it returns to the login page', async () => {
  const { pa, alice } = world;
  const c = await browser.newContext({ locale: 'en-US' });
  try {
    const pc = await c.newPage();
    watch(pc, 'alice-2');
    await pc.goto(server.url + '/');
    await pc.getByLabel('Account number').fill(String(alice));
    await pc.getByLabel('Password').fill('correct-horse');
    await pc.locator('form button[type=submit]').click();
    await pc.getByTestId('my-nickname').waitFor();
    await pa.getByRole('tab', { name: '我' }).click();
    const end = pa.getByRole('button', { name: /下线此设备/ });
    await eventually(async () => (await end.count()) === 1, 'the other session listed');
    await end.click();
    await pc.getByRole('alert').filter({ hasText: 'logged out' }).waitFor();
    await pc.getByRole('heading', { name: 'Log in to Penguin' }).waitFor();
    assert(await pc.evaluate(() => localStorage.getItem('penguin.session')) === null, 'the token is forgotten');
  } finally {
    await c.close();
  }
});

test('a second tab of the same session: the first one says so and can take over', async () => {
  const { pb } = world;
  const second = await world.b.newPage();
  try {
    await second.goto(server.url + '/');
    await second.getByTestId('my-nickname').waitFor();
    await pb.getByTestId('connection').filter({ hasText: 'connected again elsewhere' }).waitFor();
    await pb.getByRole('button', { name: 'Use here' }).click();
    await eventually(async () => (await pb.getByTestId('connection').count()) === 0, 'the first tab back online');
    assert((await textsIn(pb)).includes('back again'), 'the open chat keeps its history');
    await second.getByTestId('connection').filter({ hasText: 'connected again elsewhere' }).waitFor();
  } finally {
    await second.close();
  }
});

test('phone width: one pane at a time, back to the list', async () => {
  const { pb, alice } = world;
  await pb.setViewportSize({ width: 390, height: 800 });
  await pb.getByTestId('chat').waitFor();
  assert(!(await pb.getByRole('tablist').isVisible()), 'the list is hidden while chatting');
  await shot(pb, 'phone-chat');
  await pb.getByRole('button', { name: 'Back' }).click();
  await pb.getByTestId(`conv-${alice}`).waitFor();
  await shot(pb, 'phone-list');
  await pb.setViewportSize({ width: 1100, height: 720 });
});

test('keyboard: tabs move with the arrow keys, Tab reaches the composer', async () => {
  const { pb } = world;
  await pb.getByRole('tab', { name: /Chats/ }).focus();
  await pb.keyboard.press('ArrowRight');
  assert(await pb.getByRole('tab', { name: /Groups/ }).evaluate((el) => el === document.activeElement), 'arrow moved the focus');
  assert((await pb.getByRole('tab', { name: /Groups/ }).getAttribute('aria-selected')) === 'true', 'and the selection');
  await pb.keyboard.press('ArrowLeft');
});

test('log out forgets the session', async () => {
  const { pb } = world;
  await pb.getByRole('tab', { name: 'Me' }).click();
  await pb.getByRole('button', { name: 'Log out' }).click();
  await pb.getByRole('heading', { name: 'Log in to Penguin' }).waitFor();
  await pb.reload();
  await pb.getByRole('heading', { name: 'Log in to Penguin' }).waitFor();
  await world.pa.getByRole('tab', { name: '好友' }).click();
  await eventually(async () => (await friendRow(world.pa, world.bob).getAttribute('data-status')) === 'offline', 'Alice sees Bob offline');
});

test('a desktop notification for a message while another tab is shown', async () => {
  const { pa, pb, alice } = world;
  await pa.getByLabel('消息', { exact: true }).press('Escape'); // closes the chat: nothing is in view
  await pa.getByTestId('chat').waitFor({ state: 'detached' });
  await pa.getByRole('tab', { name: '我' }).click();
  await pa.getByLabel('桌面通知').check();
  await pb.goto(server.url + '/');
  await pb.getByLabel('Account number').fill(String(world.bob));
  await pb.getByLabel('Password').fill('battery-staple');
  await pb.locator('form button[type=submit]').click();
  await friendRow(pb, alice).waitFor();
  await online(pb);
  await pb.getByRole('tab', { name: /Chats/ }).click();
  await pb.getByTestId(`conv-${alice}`).click();
  await pb.getByLabel('Message', { exact: true }).fill('ding');
  await pb.getByLabel('Message', { exact: true }).press('Enter');
  await eventually(async () => (await pa.evaluate(() => window.__notes)).some((n) => n.title === 'Bob' && n.body === 'ding'), 'a notification');
  await pa.getByLabel('桌面通知').uncheck();
});

test('history scrolls back page by page through 120 messages, each once, in order', async () => {
  const { pa, alice, bob } = world;
  // Another device of Bob's (a second session) writes 120 messages, at most 20 a second (the send limit).
  const login = await (await fetch(`${server.url}/api/v1/sessions`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ number: bob, password: 'battery-staple', device: 'pc', deviceName: 'e2e' }) })).json();
  const sent = await pa.evaluate(async ({ token, to }) => {
    const ws = new WebSocket(`ws://${location.host}/ws?v=1`);
    const replies = new Map();
    ws.onmessage = (e) => { const f = JSON.parse(e.data); if (f.re) replies.get(f.re)?.(f); };
    const request = (frame) => new Promise((ok) => { replies.set(frame.id, ok); ws.send(JSON.stringify(frame)); });
    await new Promise((ok) => { ws.onopen = ok; });
    await request({ op: 'auth', id: 1, token });
    let stored = 0;
    for (let i = 1; i <= 120; i++) {
      const reply = await request({ op: 'msg.send', id: i + 1, to, clientId: `scroll-${i}`, text: `history #${i}` });
      if (reply.type === 'msg.sent') stored++;
      if (i % 18 === 0) await new Promise((r) => setTimeout(r, 1000));
    }
    ws.close();
    return stored;
  }, { token: login.token, to: alice });
  assert(sent === 120, `stored ${sent} of 120`);
  await pa.getByRole('tab', { name: /会话/ }).click();
  await pa.getByTestId(`conv-${bob}`).click();
  await eventually(async () => (await textsIn(pa)).includes('history #120'), 'the newest message');
  const log = pa.getByTestId('messages');
  await eventually(async () => {
    await log.evaluate((el) => { el.scrollTop = 0; });
    return (await textsIn(pa)).includes('history #1');
  }, 'scrolling back to the first of them', 30_000);
  await pa.getByText('已经是最早的消息').waitFor();
  // Every one of them exactly once in the client's state, in order: read the rows while scrolling down.
  const seen = new Set();
  let last = 0;
  for (let top = 0; ; top += 300) {
    const done = await log.evaluate((el, y) => { el.scrollTop = y; return el.scrollTop + el.clientHeight >= el.scrollHeight - 2; }, top);
    await pa.waitForTimeout(30);
    for (const text of await textsIn(pa)) {
      const n = /^history #(\d+)$/.exec(text)?.[1];
      if (n) seen.add(Number(n));
    }
    if (done || top > 100_000) break;
    last = top;
  }
  assert(seen.size === 120 && Math.min(...seen) === 1 && Math.max(...seen) === 120, `saw ${seen.size} distinct (${last})`);
  const seqs = await pa.getByTestId('messages').getByTestId('message').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));
  assert(seqs.every((x, i) => i === 0 || x > seqs[i - 1]), `rows in seq order: ${seqs.join(',')}`);
  assert(seqs.length < 60, `only the visible rows are in the page (${seqs.length})`);
});

test('a picture and a file: the other side sees the preview and downloads the bytes', async () => {
  const { pa, pb, alice, bob } = world;
  await pa.getByRole('tab', { name: /会话/ }).click();
  await pa.getByTestId(`conv-${bob}`).click();
  await pb.getByRole('tab', { name: /Chats/ }).click();
  await pb.getByTestId(`conv-${alice}`).click();
  // A real PNG, drawn by the browser.
  const png = Buffer.from(await pa.evaluate(async () => {
    const c = document.createElement('canvas');
    c.width = 320; c.height = 200;
    const g = c.getContext('2d');
    const sky = g.createLinearGradient(0, 0, 0, 120);
    sky.addColorStop(0, '#4aa8ff'); sky.addColorStop(1, '#ffd9a0');
    g.fillStyle = sky; g.fillRect(0, 0, 320, 120);
    g.fillStyle = '#ffb347'; g.beginPath(); g.arc(230, 105, 28, 0, Math.PI * 2); g.fill();
    const sea = g.createLinearGradient(0, 120, 0, 200);
    sea.addColorStop(0, '#1e6fb8'); sea.addColorStop(1, '#0b3d6b');
    g.fillStyle = sea; g.fillRect(0, 120, 320, 80);
    g.fillStyle = '#f1d7a8'; g.beginPath(); g.moveTo(0, 200); g.lineTo(0, 170); g.quadraticCurveTo(120, 160, 200, 200); g.fill();
    const blob = await new Promise((r) => c.toBlob(r, 'image/png'));
    return btoa(String.fromCharCode(...new Uint8Array(await blob.arrayBuffer())));
  }), 'base64');
  await pa.getByTestId('file-input').setInputFiles({ name: '海边.png', mimeType: 'image/png', buffer: png });
  const preview = pb.getByTestId('messages').getByTestId('preview').last();
  await preview.waitFor();
  await eventually(async () => (await preview.evaluate((img) => img.complete && img.naturalWidth)) > 0, 'the preview decoded');
  assert((await preview.getAttribute('src')).startsWith('blob:'), 'shown from a blob: URL');
  assert(await preview.getAttribute('alt') === 'Picture 海边.png', 'the picture is labelled');
  await pa.getByTestId('messages').getByTestId('preview').last().waitFor();

  // A file of three chunks (4 MiB each): progress, then a download link; Bob's download is the same bytes.
  const bytes = Buffer.alloc(9 * 1024 * 1024 + 123);
  for (let i = 0; i < bytes.length; i += 4096) bytes.writeUInt32LE((i * 2654435761) >>> 0, i);
  // From a file on disk: the browser reads it itself (a buffer would cross the DevTools protocol as base64).
  await pa.getByTestId('file-input').setInputFiles(await tempFile('trip-data.bin', bytes));
  const link = pb.getByTestId('messages').getByRole('button', { name: 'Download trip-data.bin' });
  await link.waitFor({ timeout: 30_000 });
  const [download] = await Promise.all([pb.waitForEvent('download'), link.click()]);
  assert(download.suggestedFilename() === 'trip-data.bin', `downloaded as ${download.suggestedFilename()}`);
  const got = await readFile(await download.path());
  assert(got.equals(bytes), `the downloaded bytes (${got.length}) match`);
  await shot(pb, 'picture-message');
});

test('an upload dropped mid-way resumes from the confirmed offset and sends once', async () => {
  const { pa, pb } = world;
  const puts = [];
  let dropped = false;
  await pa.route('**/api/v1/uploads/*', async (route) => {
    const r = route.request();
    if (r.method() !== 'PUT') return route.continue();
    const offset = Number(r.headers()['upload-offset']);
    puts.push(offset);
    if (offset > 0 && !dropped) { dropped = true; return route.abort('connectionreset'); }
    return route.continue();
  });
  const bytes = Buffer.alloc(6 * 1024 * 1024, 7);
  bytes.write('resume-me', 0);
  try {
    await pa.getByTestId('file-input').setInputFiles(await tempFile('resume.bin', bytes));
    await pb.getByTestId('messages').getByRole('button', { name: 'Download resume.bin' }).waitFor({ timeout: 30_000 });
  } finally {
    await pa.unroute('**/api/v1/uploads/*');
  }
  const chunk = 4 * 1024 * 1024;
  assert(dropped && JSON.stringify(puts) === JSON.stringify([0, chunk, chunk]), `chunks sent at ${puts.join(', ')}`);
  assert(await pb.getByTestId('messages').getByRole('button', { name: 'Download resume.bin' }).count() === 1, 'sent exactly once');
  await eventually(async () => (await pa.getByTestId('upload').count()) === 0, 'the upload list is empty');
});

test('groups: Alice creates a group; Bob asks to join by its number; Alice approves in her inbox', async () => {
  const { pa, pb, alice, bob } = world;
  await pa.getByRole('tab', { name: /群聊/ }).click();
  await pa.getByLabel('群名称').fill('周末爬山群');
  await pa.getByLabel('加群方式').selectOption('approval');
  await pa.getByRole('button', { name: '创建群' }).click();
  const created = await pa.getByText(/群“周末爬山群”已创建，群号 \d+。/).textContent();
  world.group = Number(/群号 (\d+)/.exec(created)[1]);
  await pa.getByTestId('group-chat').getByRole('heading', { name: '周末爬山群' }).waitFor();

  await pb.getByRole('tab', { name: /Groups/ }).click();
  await pb.getByLabel('Group number').fill(String(world.group));
  await pb.getByLabel('Message to the admins').fill('let me in');
  await pb.getByRole('button', { name: 'Join', exact: true }).click();
  await pb.getByText('Request sent to 周末爬山群: waiting for an admin.').waitFor();
  assert(await pb.getByTestId(`group-${world.group}`).count() === 0, 'not a member while pending');

  await eventually(async () => (await pa.getByTestId('groups-badge').textContent()) === '1', 'the request counts on Alice\'s Groups tab');
  const request = pa.getByTestId(`group-request-${bob}`);
  await request.getByText('let me in').waitFor();
  await request.getByRole('button', { name: '同意' }).click();
  await eventually(async () => (await request.count()) === 0, 'the request handled');
  await pb.getByTestId(`group-${world.group}`).click();
  await pb.getByTestId('group-chat').getByRole('heading', { name: '周末爬山群' }).waitFor();
  assert(alice > 0, 'alice');
});

test('group chat both ways: unread badge, @mention with autocomplete, read count, announcement, recall', async () => {
  const { pa, pb, alice } = world;
  const paInput = pa.getByTestId('group-chat').getByRole('combobox', { name: '消息' });
  const pbInput = pb.getByTestId('group-chat').getByRole('combobox', { name: 'Message' });
  await paInput.fill('大家好');
  await paInput.press('Enter');
  await eventually(async () => (await textsIn(pb)).includes('大家好'), 'Bob sees Alice\'s group message');
  await pbInput.pressSequentially('Hi @Ali', { delay: 10 });
  await pb.getByRole('option', { name: /Alice 爱丽丝/ }).waitFor();
  await pbInput.press('Enter');
  await eventually(async () => (await pbInput.inputValue()) === 'Hi @Alice 爱丽丝 ', 'the mention completed');
  await pbInput.pressSequentially('see you Saturday', { delay: 5 });
  await pbInput.press('Enter');
  const mention = pa.getByTestId('messages').locator('.msg.mentions-me').filter({ hasText: 'see you Saturday' });
  await mention.waitFor();

  // Bob looks elsewhere: Alice's next message is unread for him, on the Groups tab and in the list.
  await pb.getByRole('tab', { name: /Chats/ }).click();
  await pb.getByTestId(`conv-${alice}`).click();
  await paInput.fill('周六 8 点见');
  await paInput.press('Enter');
  await eventually(async () => (await pb.getByTestId('groups-badge').textContent()) === '1', 'Bob\'s Groups tab counts 1 unread');
  await pb.getByRole('tab', { name: /Groups/ }).click();
  await eventually(async () => (await pb.getByTestId(`group-${world.group}`).getByTestId('unread').textContent()) === '1', 'unread 1 in the list');
  const count = messages(pa).filter({ hasText: '周六 8 点见' }).getByTestId('read-count');
  await eventually(async () => (await count.getAttribute('data-read')) === '0', 'nobody read it yet');
  await pb.getByTestId(`group-${world.group}`).click();
  await eventually(async () => (await pb.getByTestId('groups-badge').count()) === 0, 'read once opened');
  await eventually(async () => { await count.click(); return (await count.getAttribute('data-read')) === '1'; }, 'Alice sees "1/1 read"');

  await pa.getByRole('button', { name: '编辑群公告' }).click();
  await pa.getByLabel('群公告').fill('周六 8 点\n地铁站集合');
  await pa.getByRole('button', { name: '保存' }).click();
  await pb.getByTestId('announcement').getByText(/地铁站集合/).waitFor();

  const mine = messages(pa).filter({ hasText: '大家好' });
  await mine.hover();
  await mine.getByRole('button', { name: '撤回' }).click();
  await pb.getByText('Alice 爱丽丝 recalled a message').waitFor();
  assert(!(await textsIn(pb)).includes('大家好'), 'the recalled text is gone for Bob');
  await shot(pa, 'group-chat');
});

test('three in a group: Carol asks to join and is approved; she @mentions Bob; all three see it', async () => {
  const { pa, pb } = world;
  world.c = await browser.newContext({ locale: 'en-US', viewport: { width: 1100, height: 720 } });
  const pc = world.pc = await world.c.newPage();
  watch(pc, 'carol');
  world.carol = await register(pc, 'Carol', 'carol-secret-1', 'en');
  await pc.getByRole('tab', { name: /Groups/ }).click();
  await pc.getByLabel('Group number').fill(String(world.group));
  await pc.getByRole('button', { name: 'Join', exact: true }).click();
  await pc.getByText('Request sent to 周末爬山群: waiting for an admin.').waitFor();
  await pa.getByTestId(`group-request-${world.carol}`).getByRole('button', { name: '同意' }).click();
  await pc.getByTestId(`group-${world.group}`).click();
  const pcInput = pc.getByTestId('group-chat').getByRole('combobox', { name: 'Message' });
  await pcInput.pressSequentially('Hello @Bo', { delay: 10 });
  await pc.getByRole('option', { name: /Bob/ }).waitFor();
  await pcInput.press('Enter');
  await pcInput.pressSequentially('what time on Saturday?', { delay: 5 });
  await pcInput.press('Enter');
  await pb.getByTestId('messages').locator('.msg.mentions-me').filter({ hasText: 'what time on Saturday?' }).waitFor();
  await eventually(async () => (await textsIn(pa)).includes('Hello @Bob what time on Saturday?'), 'Alice sees Carol\'s message');
  // A sender the page did not know yet: Alice's window shows Carol by name, not by number.
  await messages(pa).filter({ hasText: 'what time on Saturday?' }).getByText('Carol', { exact: true }).waitFor();
  const paInput = pa.getByTestId('group-chat').getByRole('combobox', { name: '消息' });
  await paInput.fill('8 点，地铁站');
  await paInput.press('Enter');
  await eventually(async () => (await textsIn(pc)).includes('8 点，地铁站') && (await textsIn(pb)).includes('8 点，地铁站'), 'Bob and Carol see Alice\'s answer');
  await world.c.close();
});

test('group files: a picture, a file and a voice clip; Bob sees the preview, downloads the bytes, plays the voice', async () => {
  const { pa, pb } = world;
  const ga = pa.getByTestId('group-chat');
  const gb = pb.getByTestId('group-chat');
  const png = Buffer.from(await pa.evaluate(async () => {
    const c = document.createElement('canvas');
    c.width = 160; c.height = 100;
    const g = c.getContext('2d');
    g.fillStyle = '#2e8b57'; g.fillRect(0, 0, 160, 100);
    g.fillStyle = '#fff'; g.beginPath(); g.moveTo(20, 90); g.lineTo(80, 15); g.lineTo(140, 90); g.fill();
    const blob = await new Promise((r) => c.toBlob(r, 'image/png'));
    return btoa(String.fromCharCode(...new Uint8Array(await blob.arrayBuffer())));
  }), 'base64');
  await ga.getByTestId('file-input').setInputFiles({ name: '山顶.png', mimeType: 'image/png', buffer: png });
  const preview = gb.getByTestId('messages').getByTestId('preview').last();
  await preview.waitFor();
  await eventually(async () => (await preview.evaluate((img) => img.complete && img.naturalWidth)) > 0, 'the group picture decoded for Bob');
  assert(await preview.getAttribute('alt') === 'Picture 山顶.png', 'the picture is labelled');

  const bytes = Buffer.from('路线：地铁站 → 山脚 → 山顶\n'.repeat(4000));
  await ga.getByTestId('file-input').setInputFiles({ name: '路线.txt', mimeType: 'text/plain', buffer: bytes });
  const link = gb.getByTestId('messages').getByRole('button', { name: 'Download 路线.txt' });
  await link.waitFor({ timeout: 30_000 });
  const [download] = await Promise.all([pb.waitForEvent('download'), link.click()]);
  assert((await readFile(await download.path())).equals(bytes), 'the group file downloads whole');

  // A voice clip of 2 s: the browser measures it, the message carries durationMs, Bob plays it.
  await ga.getByTestId('file-input').setInputFiles({ name: '集合.wav', mimeType: 'audio/wav', buffer: wav(2000) });
  const play = gb.getByRole('button', { name: 'Play voice message (0:02)' });
  await play.waitFor({ timeout: 15_000 });
  assert(await gb.getByTestId('voice').last().getAttribute('data-duration-ms') === '2000', 'the clip carries its length');
  await ga.getByRole('button', { name: '播放语音消息（0:02）' }).waitFor();
  await play.click();
  const audio = gb.getByTestId('voice-audio').last();
  await eventually(async () => audio.evaluate((a) => a.played.length > 0 && a.played.end(0) > 0), 'the voice clip plays');
  assert((await audio.getAttribute('src')).startsWith('blob:'), 'played from a blob: URL');
  await pb.getByRole('tab', { name: /Chats/ }).click();
  await pb.getByRole('tab', { name: /Groups/ }).click();
  await pb.getByTestId(`group-${world.group}`).getByText(/\[Voice\] 0:02/).waitFor();
  await pb.getByTestId(`group-${world.group}`).click();
  await shot(pb, 'group-files');
});

test('group admin: members with roles and cards, mute a member, kick him', async () => {
  const { pa, pb, alice, bob } = world;
  await pb.getByRole('button', { name: 'Show members' }).click();
  await pb.getByLabel('My group card').fill('小波');
  await pb.getByRole('button', { name: 'Set card' }).click();
  await pb.getByTestId(`member-${bob}`).getByText('小波').waitFor();
  await pa.getByRole('button', { name: '显示群成员' }).click();
  assert((await pa.getByTestId(`member-${alice}`).getAttribute('data-role')) === 'owner', 'Alice is the owner');
  await pa.getByTestId(`member-${alice}`).getByText('群主').waitFor();
  await pa.getByRole('button', { name: '隐藏群成员' }).click();
  await pa.getByRole('button', { name: '显示群成员' }).click(); // shown again: the list (and Bob's new card) is loaded fresh
  await pa.getByTestId(`member-${bob}`).getByText('小波').waitFor();
  await shot(pa, 'group-members');
  await pa.getByTestId(`member-${bob}`).getByRole('button', { name: '禁言 10 分钟' }).click();
  await pb.getByText(/You are muted until/).waitFor();
  assert(await pb.getByTestId('group-chat').getByRole('combobox', { name: 'Message' }).isDisabled(), 'a muted member cannot type');
  await pa.getByTestId(`member-${bob}`).getByRole('button', { name: '解除禁言' }).click();
  await eventually(async () => !(await pb.getByText(/You are muted until/).count()), 'unmuted');
  pa.once('dialog', (d) => d.accept());
  await pa.getByTestId(`member-${bob}`).getByRole('button', { name: '移出本群' }).click();
  await pb.getByText('You were removed from this group.').waitFor();
  await eventually(async () => (await pa.getByTestId(`member-${bob}`).count()) === 0, 'Bob gone from the members');
  await pb.getByRole('tab', { name: /Groups/ }).click();
  assert(await pb.getByTestId(`group-${world.group}`).count() === 0, 'the group left Bob\'s list');
});

test('the owner dissolves the group', async () => {
  const { pa } = world;
  pa.once('dialog', (d) => d.accept());
  await pa.getByRole('button', { name: '解散群' }).click();
  await eventually(async () => (await pa.getByTestId(`group-${world.group}`).count()) === 0, 'the group gone from Alice\'s list');
});

test('invite and transfer: Alice invites Bob into an invitation-only group; Bob joins; Alice makes him the owner', async () => {
  const { pa, pb, alice, bob } = world;
  await pa.getByRole('tab', { name: /群聊/ }).click();
  await pa.getByLabel('群名称').fill('读书会');
  await pa.getByLabel('加群方式').selectOption('invite');
  await pa.getByRole('button', { name: '创建群' }).click();
  const created = await pa.getByText(/群“读书会”已创建，群号 \d+。/).textContent();
  const id = Number(/群号 (\d+)/.exec(created)[1]);
  await pa.getByRole('button', { name: '显示群成员' }).click();
  const invite = pa.getByTestId('invite');
  await invite.getByLabel('要邀请的好友').selectOption(String(bob));
  await invite.getByRole('button', { name: '邀请' }).click();
  await invite.getByText('已邀请 Bob。').waitFor();

  await pb.getByRole('tab', { name: /Groups/ }).click();
  const invitation = pb.getByTestId(`invitation-${id}`);
  await invitation.getByText('Alice 爱丽丝 invited you to 读书会').waitFor();
  await invitation.getByRole('button', { name: 'Join' }).click();
  await pb.getByTestId('group-chat').getByRole('heading', { name: '读书会' }).waitFor();

  await pa.getByRole('button', { name: '隐藏群成员' }).click();
  await pa.getByRole('button', { name: '显示群成员' }).click();
  pa.once('dialog', (d) => d.accept());
  await pa.getByTestId(`member-${bob}`).getByRole('button', { name: '转让群主' }).click();
  await eventually(async () => (await pa.getByTestId(`member-${bob}`).getAttribute('data-role')) === 'owner', 'Bob is the owner on Alice\'s list');
  // The former owner stays on as an admin (§11): she may leave now, and no longer transfers or dissolves.
  await pa.getByRole('button', { name: '退出群聊' }).waitFor();
  await eventually(async () => (await pa.getByTestId(`member-${alice}`).getAttribute('data-role')) === 'admin', 'Alice is an admin now');
  assert(await pa.getByRole('button', { name: '转让群主' }).count() === 0, 'only the owner transfers');
  await pb.getByRole('button', { name: 'Show members' }).click();
  await pb.getByRole('button', { name: 'Dissolve group' }).waitFor();
  await pb.getByTestId('members').getByLabel('Who may join').selectOption('open');
  await eventually(async () => (await pb.getByTestId('join-policy').inputValue()) === 'open', 'the new owner opened the group');
  await shot(pb, 'group-new-owner');
  pb.once('dialog', (d) => d.accept());
  await pb.getByRole('button', { name: 'Dissolve group' }).click();
  await eventually(async () => (await pa.getByTestId(`group-${id}`).count()) === 0, 'the group gone from Alice\'s list');
});

test('chat rooms: Alice creates one; Bob finds it in the directory and enters; they talk live; Bob leaves', async () => {
  const { pa, pb } = world;
  await pa.getByLabel('聊天室名称').fill('周末爬山');
  await pa.getByLabel('话题').fill('户外');
  await pa.getByRole('button', { name: '创建聊天室' }).click();
  await pa.getByTestId('room-chat').getByRole('heading', { name: '周末爬山' }).waitFor();
  await pb.getByRole('tab', { name: /Groups/ }).click();
  await pb.locator('.rooms').getByRole('button', { name: 'Refresh' }).click();
  await pb.getByRole('button', { name: 'Enter 周末爬山' }).click();
  await pb.getByTestId('room-chat').getByRole('heading', { name: '周末爬山' }).waitFor();
  await eventually(async () => (await pa.getByTestId('room-people').textContent()) === '2 人在线', 'Alice sees two inside');
  await pb.getByTestId('room-chat').getByLabel('Message').fill('Anyone hiking?');
  await pb.getByTestId('room-chat').getByLabel('Message').press('Enter');
  await eventually(async () => (await textsIn(pa)).includes('Anyone hiking?'), 'Alice hears Bob');
  await pa.getByTestId('room-chat').getByLabel('消息').fill('我去！');
  await pa.getByTestId('room-chat').getByLabel('消息').press('Enter');
  await eventually(async () => (await textsIn(pb)).includes('我去！'), 'Bob hears Alice');
  await pb.getByRole('button', { name: 'Leave room' }).click();
  await eventually(async () => (await pa.getByTestId('room-people').textContent()) === '1 人在线', 'Alice sees one inside');
});

test('a room moderator puts Bob out: Bob is told and can no longer speak there', async () => {
  const { pa, pb, bob } = world;
  await pb.locator('.rooms').getByRole('button', { name: 'Refresh' }).click();
  await pb.getByRole('button', { name: 'Enter 周末爬山' }).click();
  await pb.getByTestId('room-chat').getByRole('heading', { name: '周末爬山' }).waitFor();
  await eventually(async () => (await pa.getByTestId('room-people').textContent()) === '2 人在线', 'Alice sees Bob inside again');
  await pa.getByTestId('room-chat').getByRole('button', { name: '在线的人' }).click();
  await pa.getByTestId(`room-person-${bob}`).getByRole('button', { name: '请出' }).click();
  await pb.getByText('A moderator put you out of this room.').waitFor();
  assert(await pb.getByTestId('room-chat').getByLabel('Message').isDisabled(), 'Bob cannot speak after being put out');
  await eventually(async () => (await pa.getByTestId('room-people').textContent()) === '1 人在线', 'Alice sees one inside');
  assert(await pb.getByTestId('room-chat').getByRole('button', { name: 'People inside' }).count() === 1, 'the people list is there for everyone');
  await shot(pa, 'room-moderator');
  await pb.getByRole('button', { name: 'Leave room' }).click();
});

test('block: the friend goes to the blocked list; unblock', async () => {
  const { pa, bob } = world;
  pa.once('dialog', (d) => d.accept());
  await pa.getByRole('tab', { name: '好友' }).click();
  await friendRow(pa, bob).getByRole('button', { name: 'Bob 的操作' }).click();
  await friendRow(pa, bob).getByRole('button', { name: '拉黑' }).click();
  await eventually(async () => (await friendRow(pa, bob).count()) === 0, 'Bob left the buddy list');
  await pa.getByText('我的好友 (0/0)').waitFor();
  await pa.getByRole('tab', { name: '我' }).click();
  await pa.getByRole('button', { name: '取消拉黑' }).click();
  await pa.getByText('黑名单为空。').waitFor();
});

test('no console errors, page errors or CSP violations', async () => {
  assert(world.problems.length === 0, world.problems.join('\n'));
});

// ---- runner ----
let passed = 0, failed = 0, skipped = 0;
// Interrupted (Ctrl-C, a timeout's SIGTERM): stop the browser and the server we started before leaving.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await browser?.close().catch(() => {});
    await server.dispose().catch(() => {});
    process.exit(130);
  });
}
world.problems = [];
try {
  await server.start();
  browser = await chromium.launch({ executablePath, args: chromeArgs });
  let broken = false;
  for (const t of tests) {
    if (broken) { skipped++; console.log(`  - skipped: ${t.name}`); continue; }
    const started = Date.now();
    try {
      await t.fn();
      passed++;
      console.log(`  ✓ ${t.name} (${Date.now() - started} ms)`);
    } catch (e) {
      failed++;
      broken = true; // later steps build on earlier ones
      console.log(`  ✗ ${t.name}\n    ${e.stack ?? e}`);
      for (const [name, page] of [['alice', world.pa], ['bob', world.pb], ['carol', world.pc]]) {
        if (!page || page.isClosed()) continue;
        await shot(page, `failure-${name}`).catch(() => {});
        console.log(`    ${name} sees: ${JSON.stringify(await textsIn(page).catch((err) => String(err)))}`);
      }
    }
  }
} catch (e) {
  failed++;
  console.log(`e2e setup failed: ${e.stack ?? e}\n${server.log}`);
} finally {
  await browser?.close().catch(() => {});
  await server.dispose().catch(() => {});
  rmSync(scratch, { recursive: true, force: true });
}
writeFileSync(join(artifacts, '..', 'timings.json'), JSON.stringify(timings, null, 2));
console.log(`timings: ${JSON.stringify(timings)}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
