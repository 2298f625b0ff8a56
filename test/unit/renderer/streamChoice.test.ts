/**
 * The storage panel's stream picker rules (src-renderer/storage/streamChoice.ts): what each option says,
 * which stream is preselected, and what the new-stream form accepts.
 */
import { describe, expect, it } from 'vitest';
import {
  OTHER,
  defaultStreamName,
  preselect,
  retentionProblem,
  retentionSpan,
  streamLabel,
  streamNameProblem,
  withStream,
} from '../../../src-renderer/storage/streamChoice';
import { streamArnOf, streamInfo } from './streamFixtures';

const arn = streamArnOf;
const stream = streamInfo;

describe('option labels', () => {
  it('says the name and the retention, with a thousands separator', () => {
    expect(streamLabel(stream('camera-1'), 'camera-1')).toBe('camera-1 · 24 h');
    expect(streamLabel(stream('archive', { retentionHours: 87_600 }), 'camera-1')).toBe('archive · 87,600 h');
  });

  it('names the channel that records into a taken stream, but not this channel itself', () => {
    const taken = stream('lobby', { usedBy: 'camera-2' });
    expect(streamLabel(taken, 'camera-1')).toBe('lobby · 24 h · recording camera-2');
    expect(streamLabel(taken, 'camera-2')).toBe('lobby · 24 h');
  });
});

describe('preselection', () => {
  const streams = [stream('a', { usedBy: 'camera-9' }), stream('b'), stream('c')];

  it('prefers the stream the channel used last when it is listed and free', () => {
    expect(preselect({ streams, truncated: false }, arn('c'), 'camera-1')).toBe(arn('c'));
  });

  it('falls back to the first free stream when the last one is taken by another channel or gone', () => {
    expect(preselect({ streams, truncated: false }, arn('a'), 'camera-1')).toBe(arn('b'));
    expect(preselect({ streams, truncated: false }, arn('deleted'), 'camera-1')).toBe(arn('b'));
    expect(preselect({ streams, truncated: false }, null, 'camera-1')).toBe(arn('b'));
  });

  it('keeps a stream the catalog says this very channel records into', () => {
    expect(preselect({ streams, truncated: false }, arn('a'), 'camera-9')).toBe(arn('a'));
  });

  it('offers the pasted ARN when the last stream may be beyond a truncated list, or nothing is free', () => {
    expect(preselect({ streams, truncated: true }, arn('zz'), 'camera-1')).toBe(OTHER);
    expect(preselect({ streams: [streams[0]!], truncated: false }, null, 'camera-1')).toBe(OTHER);
    expect(preselect({ streams: [], truncated: false }, null, 'camera-1')).toBe(OTHER);
  });
});

describe('the new stream form', () => {
  it('offers <channel>-rec, numbered past the names already listed', () => {
    expect(defaultStreamName('camera-1')).toBe('camera-1-rec');
    expect(defaultStreamName('camera-1', new Set(['camera-1-rec', 'camera-1-rec-2']))).toBe('camera-1-rec-3');
  });

  it('keeps the offered name to the stream name pattern and its 256 characters', () => {
    expect(defaultStreamName('front door (north)')).toBe('front-door--north--rec');
    const long = defaultStreamName('x'.repeat(256));
    expect(long).toHaveLength(256);
    expect(long.endsWith('-rec')).toBe(true);
    for (const name of [long, defaultStreamName('x'.repeat(256), new Set([long]))])
      expect(streamNameProblem(name)).toBeNull();
    expect(defaultStreamName('x'.repeat(256), new Set([long]))).toMatch(/^x+-rec-2$/);
  });

  it('says what is wrong with a name', () => {
    expect(streamNameProblem('  ')).toBe('Enter a name for the new stream.');
    expect(streamNameProblem('front door')).toMatch(/letters, digits, hyphens.*without spaces/);
    expect(streamNameProblem('x'.repeat(257))).toMatch(/1 to 256/);
    expect(streamNameProblem('camera-1', new Set(['camera-1']))).toBe(
      'A stream named camera-1 already exists: pick it from the list.',
    );
    expect(streamNameProblem(' camera-1-rec ', new Set(['camera-1']))).toBeNull();
  });

  it('accepts a whole number of hours from 1 to 87,600 and says so otherwise', () => {
    for (const ok of ['1', '168', '87600', ' 24 ']) expect(retentionProblem(ok), ok).toBeNull();
    expect(retentionProblem('')).toBe('Enter the retention in hours, from 1 to 87,600 (10 years).');
    expect(retentionProblem('1.5')).toBe(
      'Retention is a whole number of hours, from 1 to 87,600 (10 years).',
    );
    expect(retentionProblem('-3')).toMatch(/whole number/);
    for (const out of ['0', '87601', '1000000'])
      expect(retentionProblem(out), out).toBe('Retention must be from 1 to 87,600 hours (10 years).');
  });

  it('puts a retention in words', () => {
    expect(retentionSpan(1)).toBe('1 hour');
    expect(retentionSpan(12)).toBe('12 hours');
    expect(retentionSpan(24)).toBe('1 day');
    expect(retentionSpan(168)).toBe('7 days');
    expect(retentionSpan(100)).toBe('≈ 4.2 days');
    expect(retentionSpan(87_600)).toBe('10 years');
  });

  it('adds a created stream in name order, replacing one with the same ARN', () => {
    const list = [stream('a'), stream('c')];
    expect(withStream(list, stream('b')).map((s) => s.name)).toEqual(['a', 'b', 'c']);
    expect(withStream(list, stream('d')).map((s) => s.name)).toEqual(['a', 'c', 'd']);
    expect(withStream(list, stream('a', { retentionHours: 5 }))).toEqual([
      stream('a', { retentionHours: 5 }),
      stream('c'),
    ]);
  });
});
