/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** Writes .br and .gz beside each script and style sheet: the server sends those to browsers that take them. */
function precompress(): Plugin {
  return {
    name: 'penguin-precompress',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      for (const [name, file] of Object.entries(bundle)) {
        if (!/\.(js|css)$/.test(name)) continue;
        const source = Buffer.from(file.type === 'chunk' ? file.code : file.source);
        this.emitFile({ type: 'asset', fileName: `${name}.br`, source: brotliCompressSync(source, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }) });
        this.emitFile({ type: 'asset', fileName: `${name}.gz`, source: gzipSync(source, { level: 9 }) });
      }
    },
  };
}

// The server serves the built client from its wwwroot (see src/Penguin.Server/Penguin.Server.csproj);
// `npm run dev` proxies the API and the WebSocket to a server on the default port.
export default defineConfig({
  plugins: [react(), precompress()],
  build: {
    outDir: '../src/Penguin.Server/wwwroot',
    emptyOutDir: true,
    // No inline module-preload polyfill: the Content-Security-Policy forbids inline script.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:5180',
      '/ws': { target: 'ws://127.0.0.1:5180', ws: true },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
  },
});
