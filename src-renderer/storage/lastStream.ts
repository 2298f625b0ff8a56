/**
 * The stream each channel last recorded into (this run only), so that re-enabling storage offers it
 * again: main forgets the stream when storage is disabled. Plain state: nothing renders from it directly.
 */
export const lastStream = new Map<string, string>();
