import { describe, expect, it } from 'vitest';
import { clientIdProblem } from '../../../src-shared/kvs/validate';
import { ClientIds, clientIdFor, installPart } from '../../../src-main/core/kvs/clientIds';

const INSTALL = '3f9c2a71-5b0e-4d8a-9c11-2e6f7a8b9c0d';

describe('ClientIds', () => {
  it('is wf-<first 8 of the install id>-<tileId>, the same on every call', () => {
    const ids = new ClientIds(INSTALL);
    expect(ids.forTile('tile-7')).toBe('wf-3f9c2a71-tile-7');
    expect(ids.forTile('tile-7')).toBe(ids.forTile('tile-7'));
    expect(clientIdFor(INSTALL, 'tile-7')).toBe('wf-3f9c2a71-tile-7');
  });

  it('differs between tiles and between installs', () => {
    const a = new ClientIds(INSTALL);
    const b = new ClientIds('aaaaaaaa-0000-0000-0000-000000000000');
    expect(a.forTile('t1')).not.toBe(a.forTile('t2'));
    expect(a.forTile('t1')).not.toBe(b.forTile('t1'));
  });

  it('never starts with AWS_, whatever the install id or tile id', () => {
    const ids = new ClientIds('AWS_AWS_AWS_AWS_');
    for (const tile of ['AWS_1', 'aws_', 'x']) {
      const id = ids.forTile(tile);
      expect(id.slice(0, 4).toUpperCase()).not.toBe('AWS_');
      expect(clientIdProblem(id)).toBeNull();
    }
  });

  it('passes the shared validator for the longest tile id and stays well under 256 characters', () => {
    const id = new ClientIds(INSTALL).forTile('a'.repeat(64));
    expect(clientIdProblem(id)).toBeNull();
    expect(id.length).toBe(3 + 8 + 1 + 64);
  });

  it('refuses tile ids the contract would refuse, as InvalidArgument', () => {
    const ids = new ClientIds(INSTALL);
    for (const bad of ['', 'a'.repeat(65), 'has space', 'dot.ted', 'x/y', 'ü']) {
      expect(() => ids.forTile(bad)).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
    }
  });

  it('needs an install id with at least 8 letters or digits (a wiring bug otherwise)', () => {
    expect(() => new ClientIds('abc-123')).toThrow(/installId/);
    expect(installPart('AB-CD-EF-GH-IJ')).toBe('abcdefgh');
  });
});
