import type { Channel } from "../src/channel.ts";
import { discord } from "./discord/index.ts";
import { github } from "./github/index.ts";
import { linear } from "./linear/index.ts";
import { slack } from "./slack/index.ts";

/** Every channel Switchboard ships. Adding a platform adds a folder and one line here. */
export const channels: readonly Channel<unknown>[] = [github, slack, discord, linear];
