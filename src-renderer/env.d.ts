/** Vite turns imported assets into URLs. */
declare module '*.svg' {
  const url: string;
  export default url;
}

/** `?url` imports (a worker script shipped as a file, e.g. ELK's layout worker). */
declare module '*?url' {
  const url: string;
  export default url;
}
