// Romeo and Juliet register on a running Penguin node (REST), become friends, log in with @xmpp/client
// (STARTTLS, SCRAM) and chat: each message must arrive with its text, and the roster must show the friend.
// Usage: PENGUIN_URL=http://127.0.0.1:6780 PENGUIN_XMPP=xmpp://127.0.0.1:6722 node chat.test.mjs
// The node's certificate is self-signed: run-test.sh sets NODE_TLS_REJECT_UNAUTHORIZED=0 for this process only.
import { client, xml } from "@xmpp/client";
import assert from "node:assert/strict";

import { befriend, domain, finish, password, person, rest, service, test, webSocketService } from "./common.mjs";

function connect(number, resource, over = service) {
  const xmpp = client({ service: over, domain, resource, username: String(number), password });
  xmpp.on("error", () => {});
  return xmpp;
}

function next(xmpp, match, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 15000);
    const onStanza = (stanza) => {
      if (!match(stanza)) return;
      clearTimeout(timer);
      xmpp.removeListener("stanza", onStanza);
      resolve(stanza);
    };
    xmpp.on("stanza", onStanza);
  });
}

const romeo = await person("romeo");
const juliet = await person("juliet");
await befriend(romeo, juliet);

const r = connect(romeo.number, "balcony");
const j = connect(juliet.number, "garden");

await test("login with SCRAM after STARTTLS binds accountNumber@domain/resource", async () => {
  const [rj, jj] = await Promise.all([r.start(), j.start()]);
  assert.equal(rj.toString(), `${romeo.number}@${domain}/balcony`);
  assert.equal(jj.toString(), `${juliet.number}@${domain}/garden`);
});

await test("the roster is the buddy list", async () => {
  const result = await r.iqCaller.request(xml("iq", { type: "get" }, xml("query", { xmlns: "jabber:iq:roster" })));
  const items = result.getChild("query").getChildren("item");
  assert.equal(items.length, 1);
  assert.equal(items[0].attrs.jid, `${juliet.number}@${domain}`);
  assert.equal(items[0].attrs.subscription, "both");
});

await test("presence: Juliet sees Romeo come online", async () => {
  await j.send(xml("presence"));
  const seen = next(j, (s) => s.is("presence") && s.attrs.from?.startsWith(`${romeo.number}@`) && !s.attrs.type, "Romeo's presence");
  await r.send(xml("presence"));
  await seen;
});

await test("a chat message goes both ways with its text", async () => {
  const toJuliet = next(j, (s) => s.is("message") && s.getChildText("body"), "Romeo's message");
  await r.send(xml("message", { type: "chat", to: `${juliet.number}@${domain}` }, xml("body", {}, "但是，轻点！ <soft> & light"),
    xml("origin-id", { xmlns: "urn:xmpp:sid:0", id: "node-1" })));
  assert.equal((await toJuliet).getChildText("body"), "但是，轻点！ <soft> & light");

  const toRomeo = next(r, (s) => s.is("message") && s.getChildText("body"), "Juliet's reply");
  await j.send(xml("message", { type: "chat", to: `${romeo.number}@${domain}` }, xml("body", {}, "Wherefore art thou")));
  const reply = await toRomeo;
  assert.equal(reply.getChildText("body"), "Wherefore art thou");
  assert.ok(reply.attrs.from.startsWith(`${juliet.number}@${domain}`));
});

await test("ping is answered", async () => {
  const pong = await r.iqCaller.request(xml("iq", { type: "get", to: domain }, xml("ping", { xmlns: "urn:xmpp:ping" })));
  assert.equal(pong.attrs.type, "result");
});

await test("vCard (XEP-0054): set one's nickname and signature, the friend reads them", async () => {
  const set = await r.iqCaller.request(xml("iq", { type: "set" },
    xml("vCard", { xmlns: "vcard-temp" }, xml("NICKNAME", {}, "罗密欧 Romeo"), xml("DESC", {}, "O, she doth teach the torches"))));
  assert.equal(set.attrs.type, "result");
  const card = (await j.iqCaller.request(xml("iq", { type: "get", to: `${romeo.number}@${domain}` }, xml("vCard", { xmlns: "vcard-temp" })))).getChild("vCard");
  assert.equal(card.getChildText("NICKNAME"), "罗密欧 Romeo");
  assert.equal(card.getChildText("DESC"), "O, she doth teach the torches");
});

await test("HTTP upload (XEP-0363): a slot, the PUT, then anyone GETs the file", async () => {
  const items = await r.iqCaller.request(xml("iq", { type: "get", to: domain }, xml("query", { xmlns: "http://jabber.org/protocol/disco#items" })));
  assert.ok(items.getChild("query").getChildren("item").some((i) => i.attrs.jid === `upload.${domain}`));
  const bytes = new TextEncoder().encode("致朱丽叶的信 a letter for Juliet");
  const slot = (await r.iqCaller.request(xml("iq", { type: "get", to: `upload.${domain}` },
    xml("request", { xmlns: "urn:xmpp:http:upload:0", filename: "letter.txt", size: String(bytes.length), "content-type": "text/plain" })))).getChild("slot");
  const put = await fetch(slot.getChild("put").attrs.url, { method: "PUT", body: bytes, headers: { "content-type": "text/plain" } });
  assert.equal(put.status, 201);
  const got = await fetch(slot.getChild("get").attrs.url);
  assert.equal(got.status, 200);
  assert.deepEqual(new Uint8Array(await got.arrayBuffer()), bytes);
});

await test("entity capabilities (XEP-0115): a contact's presence names node#ver, disco#info answers it", async () => {
  const presence = next(j, (s) => s.is("presence") && s.attrs.from?.startsWith(`${romeo.number}@`) && s.getChild("c", "http://jabber.org/protocol/caps"), "Romeo's presence with caps");
  await r.send(xml("presence", {}, xml("show", {}, "away")));
  const caps = (await presence).getChild("c", "http://jabber.org/protocol/caps");
  const info = await j.iqCaller.request(xml("iq", { type: "get", to: (await presence).attrs.from },
    xml("query", { xmlns: "http://jabber.org/protocol/disco#info", node: `${caps.attrs.node}#${caps.attrs.ver}` })));
  assert.ok(info.getChild("query").getChildren("feature").some((f) => f.attrs.var === "urn:xmpp:receipts"));
});

// XEP-0045 over groups: live occupants and nick = group card (群名片).
const muc = `conference.${domain}`;
const enterRoom = async (xmpp, room, nick) => {
  const subject = next(xmpp, (s) => s.is("message") && s.attrs.from === room && s.getChild("subject"), `the subject of ${room}`);
  await xmpp.send(xml("presence", { to: `${room}/${nick}` }, xml("x", { xmlns: "http://jabber.org/protocol/muc" }, xml("history", { maxstanzas: "0" }))));
  await subject;
};
const group = (await rest("POST", "/api/v1/groups", { name: "维罗纳 Verona", joinPolicy: "open" }, juliet.token)).group.id;
await rest("POST", `/api/v1/groups/${group}/join`, {}, romeo.token);
const groupRoom = `${group}@${muc}`;

await test("MUC: an occupant sees a member join and leave the group", async () => {
  await enterRoom(r, groupRoom, "romeo");
  const mercutio = await person("mercutio");
  const joined = next(r, (s) => s.is("presence") && s.attrs.from === `${groupRoom}/${mercutio.number}` && !s.attrs.type, "Mercutio's arrival");
  await rest("POST", `/api/v1/groups/${group}/join`, {}, mercutio.token);
  await joined;
  const left = next(r, (s) => s.is("presence") && s.attrs.from === `${groupRoom}/${mercutio.number}` && s.attrs.type === "unavailable", "Mercutio leaving");
  await rest("POST", `/api/v1/groups/${group}/leave`, undefined, mercutio.token);
  await left;
});

await test("MUC: a nick change is the group card, which native members see", async () => {
  const self = next(r, (s) => s.is("presence") && s.attrs.from === `${groupRoom}/${romeo.number}` && s.getChildText("nick", "http://jabber.org/protocol/nick") === "罗密欧", "the new nick");
  await r.send(xml("presence", { to: `${groupRoom}/罗密欧` }));
  await self;
  const { members } = await rest("GET", `/api/v1/groups/${group}/members`, undefined, juliet.token);
  assert.equal(members.find((m) => m.number === romeo.number).card, "罗密欧");
});

await test("chat room (聊天室): listed, entered, shared by two XMPP users, left", async () => {
  const created = await rest("POST", "/api/v1/rooms", { name: "阳台 Balcony", topic: "夜谈 " + Date.now() }, juliet.token);
  const room = `room-${created.id}@${muc}`;
  const items = await r.iqCaller.request(xml("iq", { type: "get", to: muc }, xml("query", { xmlns: "http://jabber.org/protocol/disco#items" })));
  assert.ok(items.getChild("query").getChildren("item").some((i) => i.attrs.jid === room));
  await enterRoom(r, room, "romeo");
  await enterRoom(j, room, "juliet");
  const heard = next(j, (s) => s.is("message") && s.attrs.type === "groupchat" && s.getChildText("body") === "月光 moonlight", "Romeo's words in the room");
  await r.send(xml("message", { type: "groupchat", to: room }, xml("body", {}, "月光 moonlight")));
  assert.equal((await heard).attrs.from, `${room}/${romeo.number}`);
  const gone = next(j, (s) => s.is("presence") && s.attrs.from === `${room}/${romeo.number}` && s.attrs.type === "unavailable", "Romeo leaving the room");
  await r.send(xml("presence", { to: `${room}/romeo`, type: "unavailable" }));
  await gone;
});

// XMPP over WebSocket (RFC 7395): the same library's WebSocket transport, on the HTTP port.
const w = connect(romeo.number, "browser", webSocketService);

await test("over ws:// (RFC 7395) SCRAM login binds a resource", async () => {
  const jid = await w.start();
  assert.equal(jid.toString(), `${romeo.number}@${domain}/browser`);
});

await test("over ws:// the roster is the buddy list", async () => {
  const result = await w.iqCaller.request(xml("iq", { type: "get" }, xml("query", { xmlns: "jabber:iq:roster" })));
  assert.equal(result.getChild("query").getChildren("item")[0].attrs.jid, `${juliet.number}@${domain}`);
});

await test("over ws:// a chat message goes both ways with the TCP client", async () => {
  await w.send(xml("presence"));
  const toJuliet = next(j, (s) => s.is("message") && s.getChildText("body") === "从网页 from the web", "the WebSocket message");
  await w.send(xml("message", { type: "chat", to: `${juliet.number}@${domain}` }, xml("body", {}, "从网页 from the web")));
  await toJuliet;

  const toBrowser = next(w, (s) => s.is("message") && s.getChildText("body") === "to every device", "Juliet's message over ws://");
  await j.send(xml("message", { type: "chat", to: `${romeo.number}@${domain}` }, xml("body", {}, "to every device")));
  await toBrowser;
});

await Promise.allSettled([r.stop(), j.stop(), w.stop()]);
finish();
