import { destinationOf } from '@ferry/contracts';
import { boundedMemo } from '@ferry/runtime';

/**
 * The origin of a destination URL (`scheme://host[:port]`, see `destinationOf`): what a
 * destination is keyed by. Parsed once per URL, as most messages go to a few.
 */
export const originOf: (url: string) => string = boundedMemo(10_000, (url) => destinationOf(new URL(url)));
