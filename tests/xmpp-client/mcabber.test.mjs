// A real terminal XMPP client from Debian, mcabber (apt-get install mcabber), scripted through its command FIFO:
// Romeo logs in with mcabber (STARTTLS, SASL PLAIN inside TLS — what its Loudmouth library offers — against the
// node's self-signed certificate), Juliet is a native Penguin client on the WebSocket protocol. Presence and a
// message each way must cross. mcabber runs in a pseudo-terminal (util-linux `script`) since it is a curses
// program; nothing reads stdin, so it works with CI=true and no terminal.
// Usage (run-test.sh starts the node): PENGUIN_URL=… PENGUIN_XMPP=xmpp://127.0.0.1:6722 node mcabber.test.mjs
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import assert from "node:assert/strict";

import { anyFailed, base, befriend, domain, eventually, finish, password, person, service, test } from "./common.mjs";

if (spawnSync("mcabber", ["-V"]).error) {
  console.log("mcabber is not installed (apt-get install mcabber)");
  console.log(process.env.CI === "true" ? "0 passed, 1 failed, 0 skipped" : "0 passed, 0 failed, 1 skipped");
  process.exit(process.env.CI === "true" ? 1 : 0);
}

const romeo = await person("Romeo 罗密欧");
const juliet = await person("Juliet 朱丽叶");
await befriend(romeo, juliet);
const romeoJid = `${romeo.number}@${domain}`;
const julietJid = `${juliet.number}@${domain}`;

// Juliet: the native WebSocket protocol (docs/protocol.md §4).
const frames = [];
const native = new WebSocket(base.replace(/^http/, "ws") + "/ws?v=1");
native.onmessage = (event) => frames.push(JSON.parse(event.data));
await new Promise((resolve, reject) => { native.onopen = resolve; native.onerror = reject; });
native.send(JSON.stringify({ op: "auth", id: 1, token: juliet.token }));
await eventually(() => frames.find((f) => f.type === "authed" && f.re === 1), "Juliet's native login");
const romeoStatus = () => frames.filter((f) => f.type === "presence" && f.presence.number === romeo.number).at(-1)?.presence.status;

// Romeo: mcabber with its configuration, history log, trace log and FIFO in a fresh home directory.
const home = fs.mkdtempSync(path.join(os.tmpdir(), "penguin-mcabber-"));
const fifo = path.join(home, "mcabber.fifo");
const histories = path.join(home, "histo");
const trace = path.join(home, "trace.log");
const { hostname, port } = new URL(service.replace(/^xmpp:/, "http:"));
fs.writeFileSync(path.join(home, "mcabberrc"), [
  `set jid = ${romeoJid}`,
  `set password = ${password}`,
  `set server = ${hostname}`,
  `set port = ${port}`,
  "set resource = mcabber",
  "set disable_random_resource = 1",
  "set tls = 1",
  "set ssl_ignore_checks = 1", // the node's certificate is self-signed
  `set fifo_name = ${fifo}`,
  "module load fifo", // the FIFO is a module in mcabber 1.x
  "set logging = 1",
  `set logging_dir = ${histories}`,
  "set logging_ignore_status = 0",
  "set tracelog_level = 3",
  `set tracelog_file = ${trace}`,
  "set autoaway = 0",
  "",
].join("\n"), { mode: 0o600 });
const romeoHistory = () => { try { return fs.readFileSync(path.join(histories, julietJid), "utf8"); } catch { return ""; } };
const traceLog = () => { try { return fs.readFileSync(trace, "utf8"); } catch { return ""; } };
const command = (line) => fs.appendFileSync(fifo, line + "\n");

// stdin stays an open pipe (never ended), so `script` never passes an end-of-file to mcabber.
const mcabber = spawn("script", ["-qfec", `stty cols 120 rows 40; exec mcabber -f ${home}/mcabberrc`, "/dev/null"], {
  env: { ...process.env, HOME: home, TERM: "xterm", LANG: "C.UTF-8", LC_ALL: "C.UTF-8" },
  stdio: ["pipe", "ignore", "ignore"],
});
let exited = false;
mcabber.on("exit", () => { exited = true; });

await test("mcabber logs in (STARTTLS, SASL) and Juliet, native, sees Romeo online", async () => {
  await eventually(() => romeoStatus() === "online", "Romeo online at Juliet's native client", 30000);
  assert.match(traceLog(), /starttls/i);
});

await test("mcabber sees Juliet's native presence (online, then away)", async () => {
  await eventually(() => /^SO /m.test(romeoHistory()), "Juliet online in mcabber's history");
  native.send(JSON.stringify({ op: "presence.set", id: 2, status: "away" }));
  await eventually(() => /^SA /m.test(romeoHistory()), "Juliet away in mcabber's history");
});

await test("a native message reaches mcabber with its text (CJK and markup)", async () => {
  native.send(JSON.stringify({ op: "msg.send", id: 3, to: romeo.number, clientId: "native-1", text: "罗密欧，你在哪里？ <balcony> & moon" }));
  await eventually(() => romeoHistory().includes("罗密欧，你在哪里？ <balcony> & moon"), "the message in mcabber's history");
  assert.match(romeoHistory(), /^MR .*罗密欧，你在哪里？/m);
});

await test("an mcabber message reaches Juliet's native client with its text", async () => {
  await eventually(() => fs.existsSync(fifo), "mcabber's FIFO");
  command(`/say_to ${julietJid} 在这里 here, under the window`);
  const received = await eventually(() => frames.find((f) => f.type === "message" && f.message.from === romeo.number), "Romeo's message");
  assert.equal(received.message.text, "在这里 here, under the window");
  assert.equal(received.message.to, juliet.number);
});

await test("mcabber's status change and quit reach Juliet (away, then offline)", async () => {
  command("/status away");
  await eventually(() => romeoStatus() === "away", "Romeo away");
  command("/quit");
  await eventually(() => romeoStatus() === "offline", "Romeo offline");
  await eventually(() => exited, "mcabber to exit");
});

if (!exited) mcabber.kill();
if (anyFailed()) console.log("mcabber's trace log (last lines):\n" + traceLog().split("\n").slice(-40).join("\n"));
native.close();
fs.rmSync(home, { recursive: true, force: true });
finish();
