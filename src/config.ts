import { z } from "zod";
import type { Channel } from "./channel.ts";
import { PROVIDER_KEYS } from "./models/index.ts";
import type { ChannelName } from "./event.ts";

/** Settings shared by every channel. */
export const CoreConfig = z
  .object({
    BOT_NAME: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must be the bot's @-handle, without the @"),
    /** `<provider>:<model id>` (openai, openai-compatible, anthropic); unset: the embedded model. */
    MODEL: z
      .string()
      .regex(
        /^(embedded|(openai|openai-compatible|anthropic):\S+)$/,
        "must be embedded, openai:<model>, openai-compatible:<model> or anthropic:<model>",
      )
      .optional(),
    OPENAI_API_KEY: z.string().min(1).optional(),
    OPENAI_BASE_URL: z.url().optional(),
    ANTHROPIC_API_KEY: z.string().min(1).optional(),
    ANTHROPIC_BASE_URL: z.url().optional(),
    /** Largest webhook body read, in bytes; larger requests get 413 without being read. */
    MAX_BODY_BYTES: z.coerce.number().int().positive().default(1_048_576),
    /** Let other bots start turns (off by default: two bots answering each other never stop). */
    ALLOW_BOTS: z
      .enum(["true", "false"])
      .default("false")
      .transform((value) => value === "true"),
    /**
     * Spans and usage accounting of every turn. `off` only to measure what they cost (the
     * benchmark does); budgets are not enforced then.
     */
    TURN_TELEMETRY: z.enum(["on", "off"]).default("on"),
    /** `off` answers every turn once, at the end, on every channel (no streamed replies). */
    LIVE_REPLIES: z.enum(["on", "off"]).default("on"),
    /** Dev only: milliseconds between the pieces an embedded model streams, so an answer is seen growing. */
    EMBEDDED_STREAM_PACE_MS: z.coerce.number().int().min(0).max(1000).default(0),
  })
  .superRefine((env, ctx) => {
    const provider = env.MODEL?.split(":")[0];
    const needed = provider ? PROVIDER_KEYS[provider] : undefined;
    if (needed && !env[needed]) {
      ctx.addIssue({ code: "custom", path: [needed], message: `required for MODEL=${provider}:…` });
    }
  });
export type CoreConfig = z.infer<typeof CoreConfig>;

export interface ChannelStatus {
  readonly enabled: boolean;
  /** Problems, each naming a variable and never its value. */
  readonly problems: readonly string[];
}

export interface Config {
  readonly core: CoreConfig;
  /** Each enabled channel's parsed config, by name. */
  readonly channels: ReadonlyMap<ChannelName, unknown>;
  readonly status: Readonly<Record<string, ChannelStatus>>;
}

export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join("; ")}`);
    this.problems = problems;
    this.name = "ConfigError";
  }
}

type EnvRecord = Readonly<Record<string, unknown>>;

/** Every issue names the variable; zod's messages do not echo input values. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const variable = issue.path.length > 0 ? issue.path.join(".") : "environment";
    return `${variable}: ${issue.message}`;
  });
}

const cache = new WeakMap<object, Config>();

/**
 * Validates `env` once per isolate. Core settings must be valid; a channel is enabled when its
 * `enabledBy` variable is set, and an enabled channel with bad settings is reported (by
 * /health and by its webhook route) without taking the others down.
 */
export function loadConfig(bindings: object, channels: readonly Channel<unknown>[]): Config {
  const cached = cache.get(bindings);
  if (cached) return cached;
  // The Worker's env: bindings and variables by name, whatever wrangler.toml declared.
  const env = bindings as EnvRecord;
  const core = CoreConfig.safeParse(env);
  if (!core.success) throw new ConfigError(describeIssues(core.error));

  const parsed = new Map<ChannelName, unknown>();
  const status: Record<string, ChannelStatus> = {};
  for (const channel of channels) {
    if (!env[channel.enabledBy]) {
      status[channel.name] = { enabled: false, problems: [`${channel.enabledBy}: not set`] };
      continue;
    }
    const result = parseChannelConfig(channel, env);
    if (result.success) {
      parsed.set(channel.name, result.data);
      status[channel.name] = { enabled: true, problems: [] };
    } else {
      status[channel.name] = { enabled: false, problems: result.problems };
    }
  }
  const config: Config = { core: core.data, channels: parsed, status };
  cache.set(bindings, config);
  return config;
}

/**
 * One channel's config, or its problems. A schema should report every problem as an issue; one
 * that throws instead (a transform meeting input it did not expect) still disables only its own
 * channel. The error's message is left out: it may quote the value.
 */
function parseChannelConfig(channel: Channel<unknown>, env: EnvRecord): { success: true; data: unknown } | { success: false; problems: string[] } {
  try {
    const result = channel.config.safeParse(env);
    return result.success ? { success: true, data: result.data } : { success: false, problems: describeIssues(result.error) };
  } catch (error) {
    const name = error instanceof Error ? error.name : typeof error;
    return { success: false, problems: [`${channel.enabledBy} and the ${channel.name} settings beside it: could not be read (${name})`] };
  }
}

/** Comma- or whitespace-separated list in one variable. */
export const listVariable = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? "")
      .split(/[\s,]+/)
      .map((item) => item.trim())
      .filter(Boolean),
  );

/** An agent's own settings (its `settings` schema over the env), or the problems that keep it from them. */
export type AgentSettings = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problems: readonly string[] };

const agentSettingsCache = new WeakMap<object, Map<string, AgentSettings>>();

/** Parses an agent's settings once per isolate; an agent without a schema has none (`undefined`). */
export function loadAgentSettings(bindings: object, agent: { readonly name: string; readonly settings?: z.ZodType<unknown> }): AgentSettings {
  let parsed = agentSettingsCache.get(bindings);
  if (!parsed) agentSettingsCache.set(bindings, (parsed = new Map()));
  const cached = parsed.get(agent.name);
  if (cached) return cached;
  let settings: AgentSettings;
  try {
    const result = agent.settings?.safeParse(bindings);
    settings = !result ? { ok: true, value: undefined } : result.success ? { ok: true, value: result.data } : { ok: false, problems: describeIssues(result.error) };
  } catch (error) {
    settings = { ok: false, problems: [`the ${agent.name} agent's settings could not be read (${error instanceof Error ? error.name : typeof error})`] };
  }
  parsed.set(agent.name, settings);
  return settings;
}
