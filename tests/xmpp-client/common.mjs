// What the scenarios share: the node's addresses, accounts over REST, and a tiny test harness that ends with
// the "N passed, N failed, N skipped" line scripts/test.sh counts.
export const base = process.env.PENGUIN_URL ?? "http://127.0.0.1:6780";
export const service = process.env.PENGUIN_XMPP ?? "xmpp://127.0.0.1:6722";
export const webSocketService = process.env.PENGUIN_XMPP_WS ?? "ws://127.0.0.1:6780/xmpp-websocket";
export const domain = process.env.PENGUIN_XMPP_DOMAIN ?? "localhost";
export const password = "correct horse battery";

export async function rest(method, path, body, token) {
  const response = await fetch(base + path, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** A new account, logged in over REST: { number, token }. */
export async function person(nickname) {
  const { number } = await rest("POST", "/api/v1/accounts", { nickname, password });
  const { token } = await rest("POST", "/api/v1/sessions", { number, password, device: "pc" });
  return { number, token };
}

/** a asks b to be friends (with a verification message) and b accepts. */
export async function befriend(a, b) {
  const request = await rest("POST", "/api/v1/friend-requests", { to: b.number, message: "我是 " + a.number }, a.token);
  await rest("POST", `/api/v1/friend-requests/${request.request.id}/accept`, {}, b.token);
}

/** Resolves when check() returns something truthy (polled), or rejects after 15 s naming what was awaited. */
export async function eventually(check, what, timeoutMs = 15000) {
  const until = Date.now() + timeoutMs;
  while (true) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

let passed = 0, failed = 0;
export async function test(name, body) {
  try {
    await body();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.message}`);
  }
}

export const anyFailed = () => failed > 0;

/** Prints the summary line and exits with the outcome. */
export function finish() {
  console.log(`${passed} passed, ${failed} failed, 0 skipped`);
  process.exit(failed === 0 ? 0 : 1);
}
