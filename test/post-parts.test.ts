import { describe, expect, it } from "vitest";
import type { PostedMessage } from "../src/channel.ts";
import { partKey, postParts } from "../src/post-parts.ts";

function platform(already: Record<string, string> = {}) {
  const posts: { part: string; key: string }[] = [];
  return {
    posts,
    poster: {
      async findPosted(): Promise<ReadonlyMap<string, PostedMessage>> {
        return new Map(Object.entries(already).map(([key, id]) => [key, { id }]));
      },
      async post(part: string, key: string): Promise<PostedMessage> {
        posts.push({ part, key });
        return { id: `new-${posts.length}` };
      },
    },
  };
}

describe("posting a split reply exactly once", () => {
  it("keys one part by the step's key and several by key/1, key/2…", () => {
    expect(partKey("d:5", 0, 1)).toBe("d:5");
    expect([0, 1, 2].map((i) => partKey("d:5", i, 3))).toEqual(["d:5/1", "d:5/2", "d:5/3"]);
  });

  it("first attempt: posts every part in order and returns the first", async () => {
    const { posts, poster } = platform({ "d:5/1": "old" });
    const first = await postParts(["a", "b"], { idempotencyKey: "d:5", replay: false }, poster);
    expect(posts).toEqual([{ part: "a", key: "d:5/1" }, { part: "b", key: "d:5/2" }]);
    expect(first).toEqual({ id: "new-1" });
  });

  it("replay after a crash between parts: posts only what the platform does not show yet", async () => {
    const { posts, poster } = platform({ "d:5/1": "comment-1" });
    const first = await postParts(["a", "b", "c"], { idempotencyKey: "d:5", replay: true }, poster);
    expect(posts.map((p) => p.key)).toEqual(["d:5/2", "d:5/3"]);
    expect(first).toEqual({ id: "comment-1" });
  });
});
