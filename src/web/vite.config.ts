/** The console's build: React, output in dist/web (served by the API process at /). */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `npm run dev:web` next to a running Assay: API calls go to it.
    proxy: { '/api': process.env.ASSAY_URL ?? 'http://127.0.0.1:5050' },
  },
});
