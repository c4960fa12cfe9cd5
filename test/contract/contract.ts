// The behaviour every channel owes its users, written once and run against each channel through
// the platform emulator: deliveries signed with the platform's real algorithm, replies read back
// from the emulated platform's own state.
import { abortAllDurableObjects } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { Platform, RecordedCall } from "../../dev/emulator/core.ts";
import { conversationExists, listConversations, settled, snapshot } from "../support/agents.ts";
import { waitFor } from "../support/emulator.ts";
import { faultSpent, faultsOfThisTest } from "../support/faults.ts";

/** How a delivery is signed: as the platform first sends it, as its retry, or so the Worker must refuse it. */
export type Signing = "fresh" | "redelivered" | "forged" | "stale";

/** A place on the platform where a conversation happens, seeded fresh for one test. */
export interface Place {
  /** The conversation key ARCHITECTURE.md documents for this place, built from the platform's ids. */
  readonly key: string;
  /** Where a reply to this place belongs, in the words `postedReplies` uses (a thread, an issue, a session…). */
  readonly where: string;
}

export interface PostedReply {
  readonly where: string;
  readonly text: string;
}

/** The emulator's request matcher for one platform call (a fault rule without its effect). */
export interface CallMatcher {
  readonly platform: Platform;
  readonly method: string;
  readonly pathPattern: string;
}

/** What became of the bot's own message. */
export type OwnMessageOutcome =
  /** It came as a webhook: the Worker's answer. */
  | { readonly via: "webhook"; readonly response: Response }
  /**
   * It came over a connection the bot holds (Discord's Gateway), which has no answer to read: how
   * many events the connection dispatched to conversations meanwhile, and why it skipped this one.
   */
  | { readonly via: "gateway"; readonly dispatched: number; readonly reason: string };

/** One channel as the contract drives it. Each adapter speaks its platform's real shapes. */
export interface ChannelContract<P extends Place> {
  /** The channel's name; its conversation key's format must be in DOCUMENTED_KEY. */
  readonly channel: string;
  /**
   * The places a conversation can be in on this platform, by name (a thread, a DM, an agent
   * session…). Each one is checked for its key and for where the reply lands; the first one also
   * serves every other scenario, so `hold` and `replyCalls` must work for it.
   */
  readonly places: Readonly<Record<string, () => Promise<P>>>;
  /** The Worker request carrying the place's delivery, signed as `signing` says. Always the same delivery (same id). */
  sign(place: P, signing: Signing): Promise<Request>;
  /** Whether the platform signs a timestamp the Worker checks for freshness (GitHub signs none). */
  readonly signsTimestamp: boolean;
  /** The body the platform gets back for an accepted delivery, and for a duplicate of it. */
  readonly ack: {
    accepted(place: P): unknown;
    duplicate(place: P, accepted: unknown): unknown;
  };
  /** The bot's replies in and around the place (the whole channel, repository, team…), oldest first. */
  postedReplies(place: P): Promise<PostedReply[]>;
  /** The platform call that posts the reply in this place: the emulator holds it or rate-limits it. */
  hold(place: P): CallMatcher;
  /** The recorded calls `hold` matches, for this place, oldest first. */
  replyCalls(place: P): Promise<RecordedCall[]>;
  /** Has the platform send the bot's own message in this place, as it echoes every message the bot posts. */
  ownMessage(place: P): Promise<OwnMessageOutcome>;
}

/** ARCHITECTURE.md's conversation keys. A Discord thread's names the channel it lives in, then the thread (channels/discord/README.md). */
export const DOCUMENTED_KEY: Readonly<Record<string, RegExp>> = {
  slack: /^slack:T[A-Z0-9]+:[CDG][A-Z0-9]+:\d+\.\d+$/,
  discord: /^discord:(\d+|@me):\d+(:\d+)?$/,
  github: /^github:[\w.-]+\/[\w.-]+#\d+$/,
  linear: /^linear:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
};

/** The Worker's own acknowledgement, for platforms that take any 2xx (Slack events, GitHub, Linear). */
export const ingressAck = {
  accepted: (place: Place) => ({ status: "accepted", conversationKey: place.key, dedupeId: expect.any(String) }),
  duplicate: (place: Place, accepted: unknown) => ({
    status: "duplicate",
    conversationKey: place.key,
    // The dedupe id is the platform's delivery id: stable across redeliveries.
    dedupeId: (accepted as { dedupeId: string }).dedupeId,
  }),
};

/**
 * Long enough to crash while the reply is held, short enough that it lands before the runtime's
 * keep-alive alarm (2 s) can wake the conversation: this scenario is a reply the platform
 * accepted before recovery looked for it.
 */
const HOLD_MS = 1_000;
/** Short enough to be waited in place (the runtime's limit is 1 s); longer waits are test/outage.test.ts's. */
const RETRY_AFTER_S = 1;

/** Hands a request to the Worker, as the platform's HTTPS call would. */
export const deliver = (request: Request): Promise<Response> => exports.default.fetch(request);

export function describeChannelContract<P extends Place>(contract: ChannelContract<P>): void {
  const { channel } = contract;
  const [main, ...others] = Object.entries(contract.places);
  if (!main) throw new Error(`${channel}: the contract needs at least one place`);
  const open = main[1];
  const faults = faultsOfThisTest();

  async function refused(signing: Signing, reason: string) {
    const place = await open();
    const before = await listConversations();
    const response = await deliver(await contract.sign(place, signing));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "unauthorized", reason });
    expect(await conversationExists(place.key)).toBe(false);
    expect(await listConversations()).toBe(before);
  }

  describe(`${channel} channel contract`, () => {
    afterEach(() => faults.cleanUp());

    for (const [name, openPlace] of [main, ...others]) {
      it(`${name}: a verified delivery is acknowledged under its documented key and gets exactly one reply, in place`, async () => {
        const place = await openPlace();
        const documented = DOCUMENTED_KEY[channel];
        if (!documented) throw new Error(`${channel}: add its conversation key's format to DOCUMENTED_KEY in test/contract/contract.ts`);
        expect(place.key).toMatch(documented);
        const response = await deliver(await contract.sign(place, "fresh"));
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual(contract.ack.accepted(place));
        // The key round-trips: the event is stored, and runs, in the conversation the documented key names.
        expect(await conversationExists(place.key)).toBe(true);
        const state = await settled(place.key);
        expect(state.turns).toEqual({ done: 1, failed: 0 });
        expect(await contract.postedReplies(place)).toEqual([{ where: place.where, text: expect.stringMatching(/\S/) }]);
      });
    }

    it("the same delivery again, before and after its turn ran, is a duplicate: one turn, one reply", async () => {
      const place = await open();
      const first = await deliver(await contract.sign(place, "fresh"));
      const accepted = await first.json();
      expect(accepted).toEqual(contract.ack.accepted(place));
      const again = await deliver(await contract.sign(place, "redelivered"));
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual(contract.ack.duplicate(place, accepted));
      await settled(place.key);
      const late = await deliver(await contract.sign(place, "redelivered"));
      expect(await late.json()).toEqual(contract.ack.duplicate(place, accepted));
      expect((await settled(place.key)).turns).toEqual({ done: 1, failed: 0 });
      expect(await contract.postedReplies(place)).toHaveLength(1);
    });

    it("a crash after the platform accepted the reply, before the journal recorded it: exactly one reply", async () => {
      const place = await open();
      const held = await faults.inject({ ...contract.hold(place), kind: "timeout", delayMs: HOLD_MS, then: "proceed" });
      expect((await deliver(await contract.sign(place, "fresh"))).status).toBe(200);
      await waitFor("the reply to be held by the platform", () => faultSpent(held));
      const inFlight = await snapshot(place.key);
      expect(inFlight.current?.steps.map((step) => step.kind)).not.toContain("reply");
      await abortAllDurableObjects();
      // The held call lands although its caller is gone; only then does recovery look for it.
      await waitFor("the held reply to land", async () => (await contract.replyCalls(place)).some((call) => call.status < 300));

      const state = await settled(place.key);
      expect(state.last?.status).toBe("done");
      // Recovered from the journal, not run again from scratch.
      expect(state.last?.replayedSteps).toBeGreaterThan(0);
      expect(await contract.postedReplies(place)).toEqual([{ where: place.where, text: expect.stringMatching(/\S/) }]);
    });

    it(`a 429 with Retry-After: ${RETRY_AFTER_S} on the reply is waited out: exactly one reply, posted after the wait`, async () => {
      const place = await open();
      const limited = await faults.inject({ ...contract.hold(place), kind: "status", status: 429, retryAfter: RETRY_AFTER_S });
      expect((await deliver(await contract.sign(place, "fresh"))).status).toBe(200);
      // Timed here, not from the recorded calls: the emulator stamps them to the second.
      await waitFor("the reply to be rate-limited", () => faultSpent(limited));
      const limitedAt = Date.now();
      await waitFor("the reply to be posted", async () => (await contract.replyCalls(place)).some((call) => call.status < 300));
      expect(Date.now() - limitedAt).toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000 - 100);

      await settled(place.key);
      expect((await contract.replyCalls(place)).map((call) => (call.status < 300 ? "posted" : call.status))).toEqual([429, "posted"]);
      expect(await contract.postedReplies(place)).toEqual([{ where: place.where, text: expect.stringMatching(/\S/) }]);
    });

    it("a forged signature is refused with 401 and nothing is stored", () => refused("forged", "bad-signature"));

    if (contract.signsTimestamp) {
      it("a correctly signed delivery with a stale timestamp is refused with 401 and nothing is stored", () => refused("stale", "stale-timestamp"));
    }

    it("the bot's own message is ignored, with the reason, and nothing is stored", async () => {
      const place = await open();
      const outcome = await contract.ownMessage(place);
      if (outcome.via === "webhook") {
        expect(outcome.response.status).toBe(202);
        expect(await outcome.response.json()).toEqual({ status: "ignored", reason: "sent by the bot itself" });
      } else {
        expect(outcome).toEqual({ via: "gateway", dispatched: 0, reason: "sent by the bot itself" });
      }
      expect(await conversationExists(place.key)).toBe(false);
    });
  });
}
