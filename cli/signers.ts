// How each platform signs what it sends, for `switchboard replay`: the same functions the
// channels verify with (channels/*/verify.ts) and the dev senders sign with (dev/*-events.ts).
import { githubSignature } from "../channels/github/verify.ts";
import { linearSignature } from "../channels/linear/verify.ts";
import { slackSignature } from "../channels/slack/verify.ts";
import { importSeed, signInteraction } from "../dev/discord-events.ts";
import { DEV_DISCORD } from "../dev/emulator/discord.ts";
import { requireVariable, type Variables } from "./project.ts";

export interface SignedRequest {
  readonly headers: Record<string, string>;
  readonly body: string;
  /** What replay changed besides the signature, said to the operator. */
  readonly notes: readonly string[];
}

export class SigningError extends Error {
  override name = "SigningError";
}

export type Signer = (body: string, headers: Readonly<Record<string, string>>, variables: Variables) => Promise<SignedRequest>;

const json = { "content-type": "application/json" };

/** By channel name. A channel without one cannot be replayed yet (BLUEPRINT.md lists adding it). */
export const signers: Readonly<Record<string, Signer>> = {
  async github(body, headers, variables) {
    const secret = requireVariable(variables, "GITHUB_WEBHOOK_SECRET");
    if (!headers["x-github-event"]) throw new SigningError("headers.x-github-event is missing: GitHub names the event in it (issues, issue_comment, …)");
    const notes: string[] = [];
    const delivery = headers["x-github-delivery"] ?? crypto.randomUUID();
    if (!headers["x-github-delivery"]) notes.push(`no x-github-delivery in the file: sent as a new delivery, ${delivery}`);
    return { body, notes, headers: { ...json, ...headers, "x-github-delivery": delivery, "x-hub-signature-256": await githubSignature(secret, body) } };
  },

  async slack(body, headers, variables) {
    const secret = requireVariable(variables, "SLACK_SIGNING_SECRET");
    const timestamp = Math.floor(Date.now() / 1000);
    const contentType = headers["content-type"] ?? (body.trimStart().startsWith("{") ? "application/json" : "application/x-www-form-urlencoded");
    return {
      body,
      notes: [],
      headers: { ...headers, "content-type": contentType, "x-slack-request-timestamp": String(timestamp), "x-slack-signature": await slackSignature(secret, timestamp, body) },
    };
  },

  async linear(body, headers, variables) {
    const secret = requireVariable(variables, "LINEAR_WEBHOOK_SECRET");
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(body) as Record<string, unknown>;
    } catch {
      throw new SigningError("the body is not JSON, and Linear only sends JSON");
    }
    // Linear signs its timestamp inside the body and the Worker refuses one older than a minute,
    // so a replay carries a new one; the delivery id keeps it recognisable as a redelivery.
    const resigned = JSON.stringify({ ...payload, webhookTimestamp: Date.now() });
    return {
      body: resigned,
      notes: ["webhookTimestamp set to now: Linear signs it inside the body and the Worker accepts one minute of age"],
      headers: { ...json, "linear-event": String(payload.type ?? ""), ...headers, "linear-signature": await linearSignature(secret, resigned) },
    };
  },

  async discord(body, headers, variables) {
    const publicKey = requireVariable(variables, "DISCORD_PUBLIC_KEY").toLowerCase();
    // Discord signs with its private key (Ed25519), which only Discord holds: a delivery can be
    // re-signed only for a Worker that trusts the dev key the emulator and the playground use.
    if (publicKey !== DEV_DISCORD.publicKey) {
      throw new SigningError(
        "Discord signs interactions with the application's private Ed25519 key, which only Discord holds, so a Discord delivery can be replayed only to a Worker whose DISCORD_PUBLIC_KEY is the dev key (npm run dev). For a deployed Worker, run the command again in Discord.",
      );
    }
    return { body, notes: [], headers: { ...headers, ...(await signInteraction(body, await importSeed(DEV_DISCORD.keySeed))) } };
  },
};
