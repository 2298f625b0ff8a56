/**
 * The console window's Content-Security-Policy, sent as a header by the shell's server as the Electron
 * shell sets it in `onHeadersReceived` (src-main/electron/window.ts). A copy, because that module imports
 * `electron`, which cannot load without its binary; `test/e2e/harness.spec.ts` compares the two texts so
 * they cannot drift apart silently.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  // Signaling sockets and HTTPS endpoints of KVS (incl. China and dual-stack), and the local demo.
  "connect-src 'self' wss://*.amazonaws.com https://*.amazonaws.com wss://*.amazonaws.com.cn https://*.amazonaws.com.cn wss://*.api.aws https://*.api.aws ws://127.0.0.1:* http://127.0.0.1:*",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');
