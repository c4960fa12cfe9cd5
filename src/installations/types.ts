/**
 * An installation: one workspace (Slack team, Linear organization, GitHub App installation) that
 * installed the app, with its tokens. Everything here but `Grant` may be shown to operators.
 */

export type InstallationStatus = "active" | "broken" | "removed";

/** What an installation is, for people: names, scopes, the bot's identity there. Never a secret. */
export type InstallationDetails = Readonly<Record<string, string | number | boolean | readonly string[]>>;

/** The tokens an install produced. Sealed before they are stored; never logged. */
export interface Grant {
  readonly accessToken: string;
  readonly refreshToken?: string;
  /** When the access token stops working, epoch ms; absent for tokens that do not expire. */
  readonly expiresAt?: number;
}

export interface InstallationRef {
  /** The channel's name: "slack", "linear", "github". */
  readonly channel: string;
  /** The platform's id: Slack team id, Linear organization id, GitHub installation id. */
  readonly id: string;
}

export interface InstallationSummary extends InstallationRef {
  readonly status: InstallationStatus;
  /** Why it is broken or removed (`app_uninstalled`, `token refresh refused: invalid_grant`). */
  readonly reason?: string;
  readonly details: InstallationDetails;
  /** When the current access token expires, epoch ms. */
  readonly expiresAt?: number;
  readonly updatedAt: number;
}

/** Where and how an expiring access token is renewed (RFC 6749 §6, form-encoded, client credentials in the body). */
export interface RefreshEndpoint {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export type Credentials =
  | { readonly status: "active"; readonly accessToken: string; readonly expiresAt?: number; readonly details: InstallationDetails }
  | { readonly status: "broken" | "removed"; readonly reason: string }
  | { readonly status: "unknown" };

/** A change a platform's webhook announced (an app removed, repositories added). */
export type InstallationChange =
  | { readonly id: string; readonly status: "removed"; readonly reason: string }
  | { readonly id: string; readonly status: "active"; readonly details: InstallationDetails };

/** What /health shows of a channel's installations (and what `switchboard doctor` reads). */
export interface InstallationsReport {
  readonly active: number;
  readonly broken: number;
  readonly removed: number;
  /** The soonest access-token expiry among active installations (ISO), or null. */
  readonly nextTokenExpiry: string | null;
  /** Broken installations, most recent first (at most 20): reinstalling fixes them. */
  readonly brokenInstallations: readonly { readonly id: string; readonly name?: string; readonly reason: string; readonly since: string }[];
}

/**
 * The installation is gone or broken, or the workspace never installed the app: nothing can be
 * sent there until someone installs it again. Permanent (no `status`): the turn is not retried.
 */
export class InstallationUnavailable extends Error {
  override name = "InstallationUnavailable";
}
