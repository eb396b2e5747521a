import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  // Build config for the renderer; kept outside renderer/ so renderer code stays free of Node imports.
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: true,
    // The CSP allows only 'self' (and data: images): keep every asset a file.
    assetsInlineLimit: 0,
  },
});
