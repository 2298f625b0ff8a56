/**
 * The console window's Content-Security-Policy. Imports nothing, so that the browser shell
 * (scripts/browserShell/server.ts) and its tests send the very text the Electron shell sets in
 * `onHeadersReceived` (window.ts) without loading `electron`, which cannot load without its binary.
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
