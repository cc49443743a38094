#!/usr/bin/env python3
"""Measures the hardening figures of docs/benchmarks.md against a running penguin-server on 127.0.0.1.

  resume  N  : RSS while N non-reading clients resume a large log (one account, N device sessions)
  stop    N  : N authenticated clients connected, then SIGTERM: seconds until the process exits
  cap        : WebSockets opened until the server answers 503; then /healthz and a chat between existing users

Usage: measure-hardening.py SERVER_DLL MODE N [extra --Penguin:... args]
Only the standard library; raw sockets, so a client can stay silent or never read.
"""
import asyncio, base64, json, os, signal, socket, struct, subprocess, sys, tempfile, time, urllib.request

HOST = "127.0.0.1"


def free_port():
    s = socket.socket(); s.bind((HOST, 0)); p = s.getsockname()[1]; s.close(); return p


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def rest(port, method, path, body=None, token=None):
    req = urllib.request.Request(f"http://{HOST}:{port}{path}", method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(req, timeout=30) as r:
        data = r.read()
        return json.loads(data) if data else None


def frame(payload: bytes, opcode=1):
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126: head += bytes([0x80 | n])
    elif n < 65536: head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else: head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


HANDSHAKE = ("GET /ws?v=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").encode()


class Ws:
    """A minimal asyncio WebSocket client."""

    def __init__(self, reader, writer):
        self.r, self.w = reader, writer

    @staticmethod
    async def open(port, rcvbuf=None, limit=2 ** 20):
        sock = socket.socket()
        if rcvbuf: sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (HOST, port))
        reader, writer = await asyncio.open_connection(sock=sock, limit=limit)
        writer.write(HANDSHAKE)
        head = await reader.readuntil(b"\r\n\r\n")
        status = head.split(b" ", 2)[1].decode()
        ws = Ws(reader, writer)
        ws.status = status
        return ws

    def send(self, obj):
        self.w.write(frame(json.dumps(obj).encode()))

    async def recv(self):
        b0, b1 = await self.r.readexactly(2)
        n = b1 & 0x7F
        if n == 126: n = struct.unpack(">H", await self.r.readexactly(2))[0]
        elif n == 127: n = struct.unpack(">Q", await self.r.readexactly(8))[0]
        data = await self.r.readexactly(n)
        return b0 & 0x0F, data


async def until(ws, pred):
    while True:
        op, data = await ws.recv()
        if op == 8: return None
        if op == 1:
            msg = json.loads(data)
            if pred(msg): return msg


def start(dll, port, datadir, extra):
    return subprocess.Popen(["dotnet", dll, "--urls", f"http://{HOST}:{port}", f"--Penguin:DataDirectory={datadir}",
                             "--Penguin:Accounts:PasswordIterations=1000", "--Penguin:Accounts:RegistrationsPerAddress=1000000",
                             "--Penguin:Accounts:LoginFailuresPerAddress=1000000", "--Penguin:Accounts:MaxSessionsPerAccount=100000",
                             "--Penguin:Messaging:SendsPerSecond=100000", "--Penguin:HeartbeatTimeout=00:30:00",
                             "--Penguin:AuthTimeout=00:30:00", "--Logging:LogLevel:Default=Warning", *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_up(port):
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=1).read(); return
        except Exception:
            time.sleep(0.2)
    raise SystemExit("server did not start")


async def register(port, name):
    number = rest(port, "POST", "/api/v1/accounts", {"nickname": name, "password": "correct horse battery"})["number"]
    return number


def login(port, number):
    return rest(port, "POST", "/api/v1/sessions", {"number": number, "password": "correct horse battery", "device": "web"})["token"]


async def resume(port, pid, n):
    alice, bob = await register(port, "alice"), await register(port, "bob")
    ta, tb = login(port, alice), login(port, bob)
    req = rest(port, "POST", "/api/v1/friend-requests", {"to": bob, "message": "hi"}, ta)
    rest(port, "POST", f"/api/v1/friend-requests/{req['request']['id']}/accept", {}, tb)
    print("  users ready", file=sys.stderr)
    ws = await Ws.open(port)
    ws.send({"op": "auth", "id": 1, "token": ta}); await until(ws, lambda m: m.get("type") == "authed")
    print("  sender connected", file=sys.stderr)
    text = "x" * 4000
    for i in range(500):
        ws.send({"op": "msg.send", "id": 10 + i, "to": bob, "clientId": f"c{i}", "text": text})
        if i % 50 == 49: await until(ws, lambda m: m.get("re") == 10 + i)
    print("  log written", file=sys.stderr)
    tokens = [login(port, bob) for _ in range(n)]
    base = rss_mb(pid)
    clients = []
    for t in tokens:
        c = await Ws.open(port, rcvbuf=4096, limit=1024)  # asyncio stops reading the socket at 2 KiB buffered
        c.send({"op": "auth", "id": 1, "token": t, "since": 0})
        await c.w.drain()
        clients.append(c)  # never read
    print(f"resume: {n} non-reading clients, log of 500 x 4000-char messages (~2 MB per resume)")
    print(f"  RSS before clients: {base:.0f} MB")
    peak = base
    for s in range(1, 41):
        await asyncio.sleep(1)
        r = rss_mb(pid); peak = max(peak, r)
        if s in (5, 10, 14, 20, 30, 40): print(f"  RSS at {s:2d} s: {r:.0f} MB")
    print(f"  peak RSS: {peak:.0f} MB ({(peak - base) * 1024 / n:.0f} KiB per client above the baseline)")
    for c in clients: c.w.close()
    await asyncio.sleep(5)
    print(f"  RSS 5 s after the clients left: {rss_mb(pid):.0f} MB")


async def stop(port, proc, n):
    users = [await register(port, f"u{i}") for i in range(max(1, n // 100))]
    tokens = [login(port, users[i % len(users)]) for i in range(n)]
    closes = 0

    async def client(token):
        nonlocal closes
        c = await Ws.open(port)
        c.send({"op": "auth", "id": 1, "token": token})
        await until(c, lambda m: m.get("type") == "authed")
        ready.release()
        while True:
            try:
                op, data = await c.recv()
            except Exception:
                return
            if op == 8:
                code = struct.unpack(">H", data[:2])[0] if len(data) >= 2 else 0
                if code == 1001: closes += 1
                c.w.write(frame(data[:2], opcode=8)); await c.w.drain(); c.w.close(); return

    ready = asyncio.Semaphore(0)
    tasks = []
    for t in tokens:
        tasks.append(asyncio.create_task(client(t)))
        if len(tasks) % 500 == 0: await asyncio.sleep(0)
    for _ in tokens: await ready.acquire()
    print(f"stop: {n} authenticated clients connected, RSS {rss_mb(proc.pid):.0f} MB; SIGTERM")
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    while proc.poll() is None: await asyncio.sleep(0.01)
    print(f"  exited after {time.monotonic() - t0:.2f} s with code {proc.returncode}")
    await asyncio.sleep(1)
    print(f"  {closes} of {n} clients got close 1001")
    for t in tasks: t.cancel()


async def cap(port, pid):
    alice, bob = await register(port, "alice"), await register(port, "bob")
    ta, tb = login(port, alice), login(port, bob)
    req = rest(port, "POST", "/api/v1/friend-requests", {"to": bob, "message": "hi"}, ta)
    rest(port, "POST", f"/api/v1/friend-requests/{req['request']['id']}/accept", {}, tb)
    a = await Ws.open(port); a.send({"op": "auth", "id": 1, "token": ta}); await until(a, lambda m: m.get("type") == "authed")
    b = await Ws.open(port); b.send({"op": "auth", "id": 1, "token": tb}); await until(b, lambda m: m.get("type") == "authed")
    opened = [a, b]
    while True:
        try:
            c = await Ws.open(port)
        except Exception as e:
            print(f"cap: connection {len(opened) + 1} failed at TCP level: {e!r}"); break
        if c.status != "101":
            print(f"cap: upgrade {len(opened) + 1} answered {c.status} ({len(opened)} WebSockets open)"); break
        opened.append(c)
    print(f"  /healthz: {urllib.request.urlopen(f'http://{HOST}:{port}/healthz', timeout=5).status}")
    a.send({"op": "msg.send", "id": 2, "to": bob, "clientId": "after-cap", "text": "still chatting"})
    got = await asyncio.wait_for(until(b, lambda m: m.get("type") == "message"), 10)
    print(f"  existing users chat: bob received {got['message']['text']!r}; RSS {rss_mb(pid):.0f} MB")


def main():
    dll, mode = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    port = free_port()
    datadir = tempfile.mkdtemp(prefix="penguin-measure-")
    proc = start(dll, port, datadir, sys.argv[4:])
    try:
        wait_up(port)
        if mode == "resume": asyncio.run(resume(port, proc.pid, n))
        elif mode == "stop": asyncio.run(stop(port, proc, n))
        elif mode == "cap": asyncio.run(cap(port, proc.pid))
    finally:
        if proc.poll() is None:
            proc.kill(); proc.wait()
        subprocess.run(["rm", "-rf", datadir])


if __name__ == "__main__":
    main()
