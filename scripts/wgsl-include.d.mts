import type { Plugin } from 'vite';
export interface ResolvedWgsl {
  name: string;
  code: string;
  files: string[];
  runs: [number, number, number][];
}
export function resolveWgsl(file: string, shadersRoot: string, read?: (path: string) => string): ResolvedWgsl;
export function wgslPlugin(shadersRoot: string): Plugin;
