import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The Pinstack web client (run with web/ as Vite's root: `vite web`).
 * `npm run web:build` writes it to web/dist/, which `npm start` serves;
 * `npm run web` runs Vite's dev server beside a running stack.
 */
export default defineConfig({
  plugins: [react()],
  // Beside `npm start`, which serves the built app on 5173.
  server: { host: '127.0.0.1', port: 5174, strictPort: true },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
});
