// Starts the real penguin-server on 127.0.0.1 with a fresh data directory, for the end-to-end tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '../..');
export const serverDll = join(repo, 'src/Penguin.Server/bin/Release/net10.0/penguin-server.dll');
export const webRoot = join(repo, 'src/Penguin.Server/wwwroot');

export async function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
    s.on('error', fail);
  });
}

export class PenguinServer {
  constructor(port, dataDir) {
    this.port = port;
    this.dataDir = dataDir;
    this.url = `http://127.0.0.1:${port}`;
    this.process = null;
    this.log = '';
  }

  static async create() {
    if (!existsSync(serverDll)) throw new Error(`Build the server first (dotnet build src/Penguin.Server -c Release): ${serverDll} is missing`);
    if (!existsSync(join(webRoot, 'index.html'))) throw new Error(`The web client is not built into ${webRoot}`);
    return new PenguinServer(await freePort(), mkdtempSync(join(tmpdir(), 'penguin-e2e-')));
  }

  async start() {
    this.process = spawn('dotnet', [serverDll, '--urls', this.url, `--Penguin:DataDirectory=${this.dataDir}`,
      `--Penguin:WebRoot=${webRoot}`, '--Logging:LogLevel:Default=Warning'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process.stdout.on('data', (d) => { this.log += d; });
    this.process.stderr.on('data', (d) => { this.log += d; });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (this.process.exitCode !== null) throw new Error(`penguin-server exited: ${this.log}`);
      try {
        const r = await fetch(`${this.url}/healthz`);
        if (r.ok) return;
      } catch { /* not yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`penguin-server did not answer /healthz in 30 s: ${this.log}`);
  }

  /** Stops the server by its PID (SIGTERM, then SIGKILL if it lingers) and waits for it to exit. */
  async stop() {
    const p = this.process;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    const timer = setTimeout(() => { if (p.exitCode === null) p.kill('SIGKILL'); }, 5_000);
    await exited;
    clearTimeout(timer);
    this.process = null;
  }

  async dispose() {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
