/** See electronBinary.mjs: the Electron binary's path, or why there is none. */
export function electronBinary(): { path?: string; why?: string };
