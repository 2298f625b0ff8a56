import { safeStorage } from 'electron';
import type { SecretBox } from '../core/credentials';

/**
 * The SecretBox over Electron safeStorage (style.md §3, as element-desktop does it): the OS keychain /
 * DPAPI / libsecret seals typed keys; the backend name is recorded with each sealed blob so a later start
 * on a weaker backend ('basic_text') is noticed instead of silently trusted.
 */
export function safeStorageBox(): SecretBox {
  const backend =
    process.platform === 'linux' ? `safeStorage:${safeStorage.getSelectedStorageBackend()}` : 'safeStorage';
  return {
    backend,
    // On Linux 'basic_text' means a hard-coded key: not encryption worth the name.
    isEncryptionAvailable: () =>
      safeStorage.isEncryptionAvailable() &&
      (process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text'),
    seal: (plain) => safeStorage.encryptString(plain),
    open: (sealed) => safeStorage.decryptString(sealed),
  };
}
