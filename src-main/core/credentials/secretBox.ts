import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Seals secrets at rest (style.md §3). In the app this is Electron safeStorage (src-main/electron/
 * secretBox.ts); under Node the tests use {@link aesGcmBox}. The backend name is recorded with every
 * sealed blob, so a blob sealed by one backend is never handed to another.
 */
export interface SecretBox {
  /** Stable name of the sealing backend (`safeStorage:gnome_libsecret`, `test-aes-gcm`, `plaintext`). */
  readonly backend: string;
  /** False when sealing would not be real encryption (no keychain, Linux `basic_text`). */
  isEncryptionAvailable(): boolean;
  seal(plain: string): Buffer;
  /** Throws when the blob was not sealed by this box or was altered. */
  open(sealed: Buffer): string;
}

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM with a key given at construction (backend `test-aes-gcm`): real authenticated encryption,
 * for tests and for running the main core under plain Node. Layout: version byte, 12-byte IV, ciphertext,
 * 16-byte tag.
 */
export function aesGcmBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('aesGcmBox needs a 32-byte key');
  const k = Buffer.from(key);
  return {
    backend: 'test-aes-gcm',
    isEncryptionAvailable: () => true,
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', k, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.of(VERSION), iv, body, cipher.getAuthTag()]);
    },
    open(sealed) {
      if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION) {
        throw new Error('not a test-aes-gcm blob');
      }
      const iv = sealed.subarray(1, 1 + IV_BYTES);
      const tag = sealed.subarray(sealed.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', k, iv);
      decipher.setAuthTag(tag);
      const body = sealed.subarray(1 + IV_BYTES, sealed.length - TAG_BYTES);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    },
  };
}

/**
 * No encryption at all (backend `plaintext`). Used only when the operator explicitly allowed storing keys
 * in clear because no real box is available; it says so by never claiming to encrypt.
 */
export const plaintextBox: SecretBox = {
  backend: 'plaintext',
  isEncryptionAvailable: () => false,
  seal: (plain) => Buffer.from(plain, 'utf8'),
  open: (sealed) => sealed.toString('utf8'),
};
