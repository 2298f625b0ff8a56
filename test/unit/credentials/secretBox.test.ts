import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { aesGcmBox, plaintextBox } from '../../../src-main/core/credentials/secretBox';

describe('aesGcmBox', () => {
  const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

  it('seals with a fresh IV each time and opens what it sealed', () => {
    const box = aesGcmBox(randomBytes(32));
    expect(box.backend).toBe('test-aes-gcm');
    expect(box.isEncryptionAvailable()).toBe(true);
    const a = box.seal(secret);
    const b = box.seal(secret);
    expect(a.equals(b)).toBe(false);
    expect(a.toString('latin1')).not.toContain(secret);
    expect(a.toString('latin1')).not.toContain('wJalrX');
    expect(box.open(a)).toBe(secret);
    expect(box.open(b)).toBe(secret);
  });

  it('refuses an altered blob, another key, and foreign data', () => {
    const box = aesGcmBox(randomBytes(32));
    const sealed = box.seal(secret);
    const flipped = Buffer.from(sealed);
    flipped[20] = flipped[20]! ^ 1;
    expect(() => box.open(flipped)).toThrow();
    expect(() => aesGcmBox(randomBytes(32)).open(sealed)).toThrow();
    expect(() => box.open(Buffer.from('short'))).toThrow(/not a test-aes-gcm blob/);
    expect(() => aesGcmBox(randomBytes(16))).toThrow(/32-byte key/);
  });
});

describe('plaintextBox', () => {
  it('says it does not encrypt, and round-trips', () => {
    expect(plaintextBox.backend).toBe('plaintext');
    expect(plaintextBox.isEncryptionAvailable()).toBe(false);
    expect(plaintextBox.open(plaintextBox.seal('x y'))).toBe('x y');
  });
});
