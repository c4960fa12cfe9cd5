import { DurableObject } from "cloudflare:workers";

/**
 * The conversations of one place (a Slack channel, a GitHub repository) that hear events not
 * addressed to the bot: those the bot took part in, and those a conversation follows. The ingress
 * asks it about such an event before any conversation's object wakes, so a reply in a thread the
 * bot never joined costs one request to this warm object and writes nothing, instead of creating
 * an object for the thread.
 *
 * A conversation is listed before it starts hearing such events (before the bot's first reply
 * is recorded, before a follower is), so the list never misses one. It lists nothing older than
 * itself: a conversation that began before the index did may have been joined by a version that
 * kept no list, and the conversation's own object decides those.
 */
/** The platform's clock and ours may differ: a conversation this close after the index began is left to its object. */
const CLOCK_MARGIN_MS = 10_000;

export class ParticipationIndex extends DurableObject<Env> {
  private since: number | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // WITHOUT ROWID: the key is the row, so listing a conversation writes one row, not two.
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS heard (conversation_key TEXT PRIMARY KEY) WITHOUT ROWID");
  }

  /**
   * Whether the conversation hears events not addressed to the bot: true when listed, false when
   * it began after this index did and is not listed, null when only its own object can tell.
   */
  async hears(conversationKey: string, startedAt: number): Promise<boolean | null> {
    if (this.ctx.storage.sql.exec("SELECT 1 FROM heard WHERE conversation_key = ?", conversationKey).toArray().length > 0) return true;
    return startedAt > this.keptSince() + CLOCK_MARGIN_MS ? false : null;
  }

  /** Lists the conversation: from now on the ingress hands it events not addressed to the bot. */
  async list(conversationKey: string): Promise<void> {
    this.keptSince();
    this.ctx.storage.sql.exec("INSERT INTO heard (conversation_key) VALUES (?) ON CONFLICT DO NOTHING", conversationKey);
  }

  /** When this index began keeping count: its first request, recorded once. */
  private keptSince(): number {
    this.since ??= this.ctx.storage.kv.get<number>("since");
    if (this.since === undefined) {
      this.since = Date.now();
      this.ctx.storage.kv.put("since", this.since);
    }
    return this.since;
  }
}

/**
 * The place a conversation belongs to, whose index lists it: its key without the last part
 * (`slack:T1:C1:1700000000.000100` → `slack:T1:C1`, `github:acme/app#12` → `github:acme/app`).
 */
export function participationPlace(conversationKey: string): string {
  const cut = Math.max(conversationKey.lastIndexOf(":"), conversationKey.lastIndexOf("#"));
  return cut > 0 ? conversationKey.slice(0, cut) : conversationKey;
}
