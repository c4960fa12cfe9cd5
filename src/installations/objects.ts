import { DurableObject } from "cloudflare:workers";
import { log } from "../log.ts";
import { seal, unseal } from "./seal.ts";
import type {
  Credentials,
  Grant,
  InstallationDetails,
  InstallationRef,
  InstallationsReport,
  InstallationStatus,
  InstallationSummary,
  RefreshEndpoint,
} from "./types.ts";

/** An access token this close to its expiry is renewed before use. */
export const REFRESH_AHEAD_MS = 5 * 60_000;

/** OAuth errors (RFC 6749 §5.2) that no retry fixes: the grant was revoked, rotated or never ours. */
const REFUSED = new Set(["invalid_grant", "invalid_client", "unauthorized_client", "unsupported_grant_type", "invalid_request"]);

interface Row {
  channel: string;
  id: string;
  status: InstallationStatus;
  reason: string | null;
  details: string;
  access_token: string | null;
  refresh_token: string | null;
  expires_at: number | null;
  updated_at: number;
}

/** A refresh that failed for a reason worth retrying later (the platform is down or limiting us). */
class RefreshUnavailable extends Error {
  override name = "RefreshUnavailable";
  readonly status = 503;
}

/**
 * One installation (a Slack team, a Linear organization, a GitHub App installation), named
 * `<channel>:<id>`. It holds its tokens sealed with INSTALLATIONS_KEY and is the only place that
 * renews them: a Durable Object runs one instance worldwide, and within it concurrent callers
 * share one refresh, so two turns never spend the same refresh token (after a rotation the old
 * one is refused, which would break the installation).
 */
export class Installation extends DurableObject<Env> {
  private refreshing: Promise<Credentials> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS installation (
      singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
      channel TEXT NOT NULL, id TEXT NOT NULL, status TEXT NOT NULL, reason TEXT,
      details TEXT NOT NULL, access_token TEXT, refresh_token TEXT, expires_at INTEGER, updated_at INTEGER NOT NULL)`);
  }

  /** Records an install (the OAuth callback) or a change a webhook announced; tokens are sealed first. */
  async save(ref: InstallationRef, details: InstallationDetails, grant?: Grant): Promise<InstallationSummary> {
    const previous = this.row();
    const name = `${ref.channel}:${ref.id}`;
    // A new grant replaces everything; a webhook's change (no grant) keeps the tokens and adds details.
    let access = previous?.access_token ?? null;
    let refresh = previous?.refresh_token ?? null;
    let expires = previous?.expires_at ?? null;
    let merged: InstallationDetails = { ...(previous ? (JSON.parse(previous.details) as InstallationDetails) : {}), ...details };
    if (grant) {
      access = await seal(this.key(), grant.accessToken, name);
      refresh = grant.refreshToken ? await seal(this.key(), grant.refreshToken, name) : null;
      expires = grant.expiresAt ?? null;
      merged = details;
    }
    this.ctx.storage.sql.exec(
      `INSERT OR REPLACE INTO installation (singleton, channel, id, status, reason, details, access_token, refresh_token, expires_at, updated_at)
       VALUES (1, ?, ?, 'active', NULL, ?, ?, ?, ?, ?)`,
      ref.channel, ref.id, JSON.stringify(merged), access, refresh, expires, Date.now(),
    );
    this.refreshing = undefined;
    log("installation.saved", { channel: ref.channel, installation: ref.id, reinstalled: previous !== undefined && previous.status !== "active" });
    return this.publish();
  }

  /** Forgets the tokens and remembers why, so later events for it are ignored with that reason. */
  async remove(ref: InstallationRef, reason: string): Promise<InstallationSummary> {
    const previous = this.row();
    this.ctx.storage.sql.exec(
      `INSERT OR REPLACE INTO installation (singleton, channel, id, status, reason, details, access_token, refresh_token, expires_at, updated_at)
       VALUES (1, ?, ?, 'removed', ?, ?, NULL, NULL, NULL, ?)`,
      ref.channel, ref.id, reason, previous?.details ?? "{}", Date.now(),
    );
    this.refreshing = undefined;
    log("installation.removed", { channel: ref.channel, installation: ref.id, reason });
    return this.publish();
  }

  async summary(): Promise<InstallationSummary | null> {
    const row = this.row();
    return row ? summaryOf(row) : null;
  }

  /**
   * The access token to use now. With `refresh`, one that expires within REFRESH_AHEAD_MS is
   * renewed first, and so is `stale`: the token a caller just saw refused (expired mid-turn).
   * Concurrent callers share one renewal; a caller whose stale token was already replaced gets
   * the new one without another.
   */
  async credentials(options: { refresh?: RefreshEndpoint; stale?: string } = {}): Promise<Credentials> {
    const row = this.row();
    if (!row) return { status: "unknown" };
    if (row.status !== "active") return { status: row.status, reason: row.reason ?? row.status };
    if (!row.access_token) return { status: "broken", reason: "no token was stored for this installation" };
    const name = `${row.channel}:${row.id}`;
    const accessToken = await unseal(this.key(), row.access_token, name);
    const expiring = row.expires_at !== null && row.expires_at - Date.now() < REFRESH_AHEAD_MS;
    const refused = options.stale !== undefined && options.stale === accessToken;
    if ((expiring || refused) && options.refresh && row.refresh_token) {
      this.refreshing ??= this.renew(row, options.refresh).finally(() => (this.refreshing = undefined));
      return this.refreshing;
    }
    return { status: "active", accessToken, ...(row.expires_at !== null ? { expiresAt: row.expires_at } : {}), details: JSON.parse(row.details) as InstallationDetails };
  }

  private async renew(row: Row, endpoint: RefreshEndpoint): Promise<Credentials> {
    const name = `${row.channel}:${row.id}`;
    const refreshToken = await unseal(this.key(), row.refresh_token!, name);
    let response: Response;
    try {
      response = await fetch(endpoint.url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: endpoint.clientId, client_secret: endpoint.clientSecret }),
      });
    } catch {
      return this.keepOrFail(row, "the token endpoint could not be reached");
    }
    const body = (await response.json().catch(() => ({}))) as { access_token?: unknown; refresh_token?: unknown; expires_in?: unknown; error?: unknown };
    if (response.ok && typeof body.access_token === "string") {
      const grant: Grant = {
        accessToken: body.access_token,
        // Without a new one in the answer, the old refresh token stays good (RFC 6749 §6).
        refreshToken: typeof body.refresh_token === "string" ? body.refresh_token : refreshToken,
        ...(typeof body.expires_in === "number" ? { expiresAt: Date.now() + body.expires_in * 1000 } : {}),
      };
      const access = await seal(this.key(), grant.accessToken, name);
      const refresh = await seal(this.key(), grant.refreshToken!, name);
      this.ctx.storage.sql.exec(
        `UPDATE installation SET access_token = ?, refresh_token = ?, expires_at = ?, updated_at = ? WHERE singleton = 1`,
        access, refresh, grant.expiresAt ?? null, Date.now(),
      );
      log("installation.refreshed", { channel: row.channel, installation: row.id, expiresInSeconds: typeof body.expires_in === "number" ? body.expires_in : undefined });
      await this.publish();
      return { status: "active", accessToken: grant.accessToken, ...(grant.expiresAt ? { expiresAt: grant.expiresAt } : {}), details: JSON.parse(row.details) as InstallationDetails };
    }
    const error = typeof body.error === "string" ? body.error.slice(0, 60) : `http_${response.status}`;
    if ((response.status === 400 || response.status === 401) && (REFUSED.has(error) || response.status === 401)) {
      return this.markBroken(row, `token refresh refused (${error}): install the app again`);
    }
    return this.keepOrFail(row, `the token endpoint answered ${response.status}`);
  }

  /** A refresh that may work later: the current token while it lasts, else a transient failure. */
  private async keepOrFail(row: Row, why: string): Promise<Credentials> {
    if (row.expires_at !== null && row.expires_at > Date.now() && row.access_token) {
      return { status: "active", accessToken: await unseal(this.key(), row.access_token, `${row.channel}:${row.id}`), expiresAt: row.expires_at, details: JSON.parse(row.details) as InstallationDetails };
    }
    throw new RefreshUnavailable(`renewing the ${row.channel} token of ${row.id} failed: ${why}`);
  }

  private async markBroken(row: Row, reason: string): Promise<Credentials> {
    this.ctx.storage.sql.exec(
      `UPDATE installation SET status = 'broken', reason = ?, access_token = NULL, refresh_token = NULL, updated_at = ? WHERE singleton = 1`,
      reason, Date.now(),
    );
    // The one line an operator needs; the installation's events are ignored from now on, so no retry repeats it.
    log("installation.broken", { channel: row.channel, installation: row.id, reason });
    await this.publish();
    return { status: "broken", reason };
  }

  private row(): Row | undefined {
    return this.ctx.storage.sql.exec<Row & Record<string, SqlStorageValue>>(`SELECT * FROM installation WHERE singleton = 1`).toArray()[0];
  }

  private key(): string {
    const key = this.env.INSTALLATIONS_KEY;
    if (!key) throw new Error("INSTALLATIONS_KEY is not set: installation tokens cannot be sealed or opened");
    return key;
  }

  /** Tells the index what changed; the index is a view, so its failure never undoes the change. */
  private async publish(): Promise<InstallationSummary> {
    const summary = summaryOf(this.row()!);
    try {
      await this.env.INSTALLATION_INDEX.getByName(INDEX_NAME).record(summary);
    } catch (error) {
      log("installation.index_failed", { channel: summary.channel, installation: summary.id, error: error instanceof Error ? error.message.slice(0, 200) : "unknown" });
    }
    return summary;
  }
}

function summaryOf(row: Row): InstallationSummary {
  return {
    channel: row.channel,
    id: row.id,
    status: row.status,
    ...(row.reason ? { reason: row.reason } : {}),
    details: JSON.parse(row.details) as InstallationDetails,
    ...(row.expires_at !== null ? { expiresAt: row.expires_at } : {}),
    updatedAt: row.updated_at,
  };
}

export const INDEX_NAME = "installations";

/**
 * Every installation's status in one place (no tokens), for /health and `switchboard doctor`:
 * a Durable Object per installation cannot be listed, so each one reports its changes here.
 */
export class InstallationIndex extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS installations (
      channel TEXT NOT NULL, id TEXT NOT NULL, status TEXT NOT NULL, reason TEXT, name TEXT,
      expires_at INTEGER, updated_at INTEGER NOT NULL, PRIMARY KEY (channel, id))`);
  }

  async record(summary: InstallationSummary): Promise<void> {
    const name = typeof summary.details.name === "string" ? summary.details.name : null;
    this.ctx.storage.sql.exec(
      `INSERT OR REPLACE INTO installations (channel, id, status, reason, name, expires_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      summary.channel, summary.id, summary.status, summary.reason ?? null, name, summary.expiresAt ?? null, summary.updatedAt,
    );
  }

  async report(channel: string): Promise<InstallationsReport> {
    const sql = this.ctx.storage.sql;
    const counts = Object.fromEntries(
      sql.exec<{ status: string; n: number }>(`SELECT status, COUNT(*) AS n FROM installations WHERE channel = ? GROUP BY status`, channel).toArray().map((r) => [r.status, r.n]),
    );
    const next = sql.exec<{ at: number | null }>(`SELECT MIN(expires_at) AS at FROM installations WHERE channel = ? AND status = 'active'`, channel).one().at;
    const broken = sql
      .exec<{ id: string; name: string | null; reason: string | null; updated_at: number }>(
        `SELECT id, name, reason, updated_at FROM installations WHERE channel = ? AND status = 'broken' ORDER BY updated_at DESC LIMIT 20`,
        channel,
      )
      .toArray();
    return {
      active: counts.active ?? 0,
      broken: counts.broken ?? 0,
      removed: counts.removed ?? 0,
      nextTokenExpiry: next === null ? null : new Date(next).toISOString(),
      brokenInstallations: broken.map((r) => ({ id: r.id, ...(r.name ? { name: r.name } : {}), reason: r.reason ?? "broken", since: new Date(r.updated_at).toISOString() })),
    };
  }
}
