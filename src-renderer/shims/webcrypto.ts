/**
 * Stands in for `isomorphic-webcrypto` in the renderer bundle (vite.config.ts aliases it here). The KVS
 * SDK's SigV4RequestSigner imports it at load time; Chromium has WebCrypto built in, and the old-browser
 * shim that package loads is an ES module assigning `module.exports`, which bundlers warn about. The
 * renderer never signs with it anyway: every URL is signed by main (kvs:signConnectUrl).
 */
export default globalThis.crypto;
