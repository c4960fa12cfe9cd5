import type { JSONValue } from "@ai-sdk/provider";
import type { Suspension } from "../tracing.ts";

/** What a person is asked to approve: one call of one tool, described in words. */
export interface ApprovalRequest {
  /** Stable across re-runs of the turn; the decision names it (buttons carry it). */
  readonly id: string;
  readonly tool: string;
  /** What the call will do, as the tool describes it ("Create issue “…” in acme/app"). */
  readonly summary: string;
  readonly agent: string;
  /** Epoch ms: an undecided request expires then, as denied. */
  readonly expiresAt: number;
}

/** How a request ended. */
export interface ApprovalOutcome {
  readonly approve: boolean;
  /** Who decided ("@maria"), or "expiry". */
  readonly by: string;
  readonly expired: boolean;
}

/**
 * Thrown out of a turn that reached a tool call waiting for a person: the runtime parks the
 * turn (no fiber, no alarm loop) until the decision arrives as an event, then re-runs it, and
 * the journal answers every step up to the decision.
 */
export class TurnParked extends Error implements Suspension {
  override name = "TurnParked";
  readonly suspends = true;
  readonly request: ApprovalRequest;
  /** The journal step the decision is recorded at. */
  readonly step: number;
  /** The platform id of the request message, to show the outcome on it later. */
  readonly posted: { readonly id: string; readonly url?: string };

  constructor(request: ApprovalRequest, step: number, posted: { id: string; url?: string }) {
    super(`waiting for approval of ${request.tool}`);
    this.request = request;
    this.step = step;
    this.posted = posted;
  }
}

/** The decision as the journal records it, and as the harness reads it back. */
export function outcomeOutput(outcome: ApprovalOutcome): JSONValue {
  return { approve: outcome.approve, by: outcome.by, expired: outcome.expired };
}

/** The tool result the model gets when a call was not approved. */
export function refusal(tool: string, outcome: ApprovalOutcome): string {
  return outcome.expired
    ? `${tool} did not run: nobody approved it before the request expired.`
    : `${tool} did not run: denied by ${outcome.by}.`;
}
