import { sign } from "@octokit/webhooks-methods";
import { describe, expect, it } from "vitest";
import { githubSignature, verifyGitHubSignature } from "../channels/github/verify.ts";
import type { InboundRequest } from "../src/channel.ts";

function request(text: string, signature?: string): InboundRequest {
  const headers = new Headers(signature ? { "x-hub-signature-256": signature } : {});
  return { body: new TextEncoder().encode(text), text, headers, now: Date.now() };
}

describe("GitHub webhook signature", () => {
  it("accepts GitHub's documented test vector", async () => {
    const verdict = await verifyGitHubSignature(
      request("Hello, World!", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"),
      "It's a Secret to Everybody",
    );
    expect(verdict).toEqual({ ok: true });
  });

  it("rejects the vector's signature under another secret", async () => {
    const verdict = await verifyGitHubSignature(
      request("Hello, World!", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"),
      "It's a Secret to Nobody",
    );
    expect(verdict).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("rejects a body changed by one byte", async () => {
    const signature = await sign("secret", '{"action":"opened"}');
    expect(await verifyGitHubSignature(request('{"action":"opened "}', signature), "secret")).toEqual({
      ok: false,
      reason: "bad-signature",
    });
  });

  it("says why: missing, malformed (sha1 only), bad", async () => {
    expect(await verifyGitHubSignature(request("{}"), "s")).toEqual({ ok: false, reason: "missing-signature" });
    expect(await verifyGitHubSignature(request("{}", "sha1=abc"), "s")).toEqual({ ok: false, reason: "malformed-signature" });
    expect(await verifyGitHubSignature(request("{}", `sha256=${"0".repeat(64)}`), "s")).toEqual({
      ok: false,
      reason: "bad-signature",
    });
  });

  it("verifies an empty body like any other: HMAC of no bytes holds, a guessed signature is bad", async () => {
    // printf '' | openssl dgst -sha256 -hmac secret
    const empty = "sha256=f9e66e179b6747ae54108f82f8ade8b3c25d76fd30afde6c395822c530196169";
    expect(await verifyGitHubSignature(request("", empty), "secret")).toEqual({ ok: true });
    expect(await verifyGitHubSignature(request("", `sha256=${"0".repeat(64)}`), "secret")).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("verifies the exact bytes, not their decoding: a body that is not UTF-8 holds under its own signature", async () => {
    const bytes = Uint8Array.of(0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xc3, 0x22, 0x7d); // {"a":"<FF><C3>"}
    const text = new TextDecoder().decode(bytes);
    const signature = await githubSignature("secret", bytes);
    const headers = new Headers({ "x-hub-signature-256": signature });
    expect(await verifyGitHubSignature({ body: bytes, text, headers, now: Date.now() }, "secret")).toEqual({ ok: true });
    // The same text re-encoded is other bytes, and so not what was signed.
    expect(await verifyGitHubSignature(request(text, signature), "secret")).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("verifies the exact bytes, including a leading byte-order mark", async () => {
    const text = '\uFEFF{"zen":"Design for failure."}';
    const signature = await sign("secret", text);
    expect(await verifyGitHubSignature(request(text, signature), "secret")).toEqual({ ok: true });
  });
});
