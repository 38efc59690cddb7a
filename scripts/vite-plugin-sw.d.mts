// Types of the service-worker build plugin (scripts/vite-plugin-sw.mjs).
import type { Plugin } from 'vite';

export function serviceWorkerPlugin(templatePath: string): Plugin;
