/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The server serves the built client from its wwwroot (see src/Penguin.Server/Penguin.Server.csproj);
// `npm run dev` proxies the API and the WebSocket to a server on the default port.
export default defineConfig({
  plugins: [react()],
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
