/** Media helpers shared by kvs-local's cameras, the renderer and the tests (pure TS). */
export * from './audioLevel';
export * from './frameStamp';
export * from './testPattern';
export { GLYPH_HEIGHT, GLYPH_WIDTH, glyphRows, hasGlyph } from './font5x7';
