// A `.wgsl` import is the shader with its #includes resolved (scripts/wgsl-include.mjs).
declare module '*.wgsl' {
  const source: import('./gpu/wgsl').ShaderSource;
  export default source;
}
