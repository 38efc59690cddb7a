// End-to-end harness: the built site (dist/, from `npm run build`) served by `vite preview`
// on 127.0.0.1 (WebGPU needs a secure context: localhost qualifies) and Debian's headless
// Chromium with SwiftShader as the WebGPU adapter (docs/spec/webgpu-here.md). Nothing here is
// skipped: a missing build or browser is a loud failure that says how to fix it.
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = join(ROOT, 'dist');

/** Chromium flags for WebGPU on SwiftShader without a GPU, and no background traffic. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH || '/usr/bin/chromium';
}

export interface Site {
  /** base URL of the served site, ending in `/` */
  url: string;
  close(): Promise<void>;
}

/** Serves dist/ with `vite preview` on a free port of 127.0.0.1. */
export async function serveDist(): Promise<Site> {
  if (!existsSync(join(DIST, 'index.html'))) {
    throw new Error(`The e2e tests need the built site, and ${join(DIST, 'index.html')} is missing: run \`npm run build\` (or \`npx vite build\`) first.`);
  }
  const server: PreviewServer = await preview({
    root: ROOT,
    logLevel: 'warn',
    build: { outDir: DIST },
    preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false },
  });
  const address = server.httpServer.address() as AddressInfo | null;
  if (!address || typeof address !== 'object') throw new Error('vite preview did not report a listening address');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () => server.close(),
  };
}

/** Launches headless Chromium with WebGPU on SwiftShader. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(
      `The e2e tests need Chromium at ${executablePath} (set CHROMIUM_PATH to use another binary). ` +
        'On Debian/Ubuntu: `apt-get install -y chromium libvulkan1` (it ships SwiftShader, the software WebGPU adapter). ' +
        'Playwright must not download its own browser here.',
    );
  }
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

/** Records `p`'s uncaught page errors and console errors into `sink` (each test file's last test asserts on it). */
export function watchErrors(p: Page, sink: string[]): void {
  p.on('pageerror', (e) => sink.push(`pageerror: ${e.message}`));
  p.on('console', (m) => {
    if (m.type() === 'error') sink.push(`console.error: ${m.text()}`);
  });
}

/** A new page of `ctx` at `url`, its errors recorded into `sink`. */
export async function openPage(ctx: BrowserContext, url: string, sink: string[]): Promise<Page> {
  const p = await ctx.newPage();
  watchErrors(p, sink);
  await p.goto(url);
  return p;
}
