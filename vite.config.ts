import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

/** Colours shared by the manifest and index.html's theme-color meta. */
const THEME_COLOR = '#c8453a';
const BACKGROUND_COLOR = '#f6f5f3';

// The app is a static bundle in dist/ that the Node server serves; `npm run dev` proxies
// the API to a server started separately on :8080.
export default defineConfig({
  plugins: [
    react(),
    VitePWA({
      // Our own worker (src/sw/sw.ts), so the network-back protocol lives in code we own.
      strategies: 'injectManifest',
      srcDir: 'src/sw',
      filename: 'sw.ts',
      // The page shows "Update available — reload" and decides when; nothing auto-reloads.
      registerType: 'prompt',
      // src/app/update.ts registers with workbox-window itself.
      injectRegister: false,
      // Icons and favicon are precached by globPatterns below; listing them again would duplicate entries.
      includeManifestIcons: false,
      manifest: {
        id: '/',
        name: 'Red Coral POS',
        short_name: 'Red Coral',
        description: "The restaurant's menu, floor, staff and printers, on every tablet, offline.",
        theme_color: THEME_COLOR,
        background_color: BACKGROUND_COLOR,
        display: 'standalone',
        orientation: 'any',
        start_url: '/',
        scope: '/',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
      },
      devOptions: { enabled: false },
    }),
  ],
  // No source maps: the venue server would hand the app's sources to anyone (issue #13);
  // `npm run dev` still maps everything. server/static.ts refuses *.map from older builds.
  build: { target: 'es2022', sourcemap: false },
  server: {
    proxy: { '/api': { target: 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
