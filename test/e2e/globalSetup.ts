/**
 * Builds the renderer once for the e2e project, into a directory of its own (see buildRenderer), and hands
 * its path to the specs. Set WATCHFLOOR_RENDERER_DIR to serve an existing build instead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildRenderer } from '../../scripts/browserShell/build';

declare module 'vitest' {
  export interface ProvidedContext {
    rendererDir: string;
  }
}

export default function setup(project: TestProject): () => void {
  const given = process.env.WATCHFLOOR_RENDERER_DIR;
  if (given) {
    project.provide('rendererDir', given);
    return () => {};
  }
  const dir = mkdtempSync(join(tmpdir(), 'watchfloor-e2e-renderer-'));
  const started = Date.now();
  buildRenderer(process.cwd(), dir);
  console.log(`e2e: renderer built in ${Date.now() - started} ms → ${dir}`);
  project.provide('rendererDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
