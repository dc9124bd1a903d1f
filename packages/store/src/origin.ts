import { boundedMemo } from '@ferry/runtime';

/**
 * The origin of a destination URL (`scheme://host[:port]`): what a destination is keyed by.
 * Parsed once per URL, as most messages go to a few.
 */
export const originOf: (url: string) => string = boundedMemo(10_000, (url) => new URL(url).origin);
