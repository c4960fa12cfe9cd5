import type { PostedMessage, EffectContext } from "./channel.ts";

/** The key one part of a split reply carries: the step's key alone, or `key/1`, `key/2`… */
export function partKey(key: string, index: number, count: number): string {
  return count === 1 ? key : `${key}/${index + 1}`;
}

export interface PartPoster {
  /** On a replay: what an earlier attempt already posted, by part key (platform markers). */
  findPosted(key: string): Promise<ReadonlyMap<string, PostedMessage>>;
  post(part: string, key: string, index: number): Promise<PostedMessage>;
}

/**
 * Posts the parts of a reply in order, each exactly once: on a replay, parts the platform
 * already shows (found by their markers) are skipped. Returns the first part as posted.
 */
export async function postParts(parts: readonly string[], effect: EffectContext, poster: PartPoster): Promise<PostedMessage> {
  const posted = effect.replay ? await poster.findPosted(effect.idempotencyKey) : new Map<string, PostedMessage>();
  let first: PostedMessage | null = null;
  for (const [index, part] of parts.entries()) {
    const key = partKey(effect.idempotencyKey, index, parts.length);
    const message = posted.get(key) ?? (await poster.post(part, key, index));
    first ??= message;
  }
  if (!first) throw new Error("postParts: nothing to post");
  return first;
}
