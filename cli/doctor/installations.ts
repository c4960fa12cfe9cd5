// What a Worker's /health says of each channel's installations (Slack workspaces, Linear
// organizations, GitHub App installations): how many work, the soonest token expiry, and each
// broken one as a problem whose fix is to install the app there again. /health carries counts,
// ids, names and reasons, never a token, and so does this.
import type { InstallationsReport } from "../../src/installations/types.ts";

export interface InstallationsFinding {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly problems: readonly string[];
}

type Reported = InstallationsReport | { readonly error: string };

/** One finding per channel whose /health entry reports installations; channels without installs add none. */
export function installationFindings(
  channels: Readonly<Record<string, { readonly installations?: Reported }>>,
  workerUrl: string,
  now = Date.now(),
): InstallationsFinding[] {
  return Object.entries(channels).flatMap(([channel, status]) => {
    const report = status.installations;
    if (!report) return [];
    const check = `${channel} installations`;
    if ("error" in report) return [{ check, ok: false, detail: "unknown", problems: [`the Worker's ${channel} installations: ${report.error}`] }];
    const reinstall = `${workerUrl}/oauth/${channel}/install`;
    const problems = report.brokenInstallations.map(
      (broken) =>
        `the Worker's ${channel} installation ${broken.id}${broken.name ? ` (${broken.name})` : ""} is broken since ${broken.since}: ${broken.reason} (install link: ${reinstall})`,
    );
    const unlisted = report.broken - report.brokenInstallations.length;
    if (unlisted > 0) problems.push(`the Worker's ${channel} channel has ${unlisted} more broken installation(s) than /health lists`);
    const detail = `${report.active} active, ${report.broken} broken, ${report.removed} removed; ${expiry(report.nextTokenExpiry, now)}`;
    return [{ check, ok: problems.length === 0, detail, problems }];
  });
}

/**
 * The soonest access-token expiry among active installations. One in the past is no problem by
 * itself: the Worker renews it the next time it needs it, and an installation whose renewal
 * fails is reported broken.
 */
function expiry(at: string | null, now: number): string {
  if (at === null) return "no token expires";
  const ms = Date.parse(at) - now;
  if (Number.isNaN(ms)) return `next token expiry ${at}`;
  return ms >= 0 ? `next token expiry in ${span(ms)} (${at})` : `a token expired ${span(-ms)} ago (${at}), renewed when next used`;
}

function span(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 90) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} days`;
}
