import type { Channel } from "../src/channel.ts";
import { github } from "./github/index.ts";

/** Every channel Switchboard ships. Adding a platform adds a folder and one line here. */
export const channels: readonly Channel<unknown>[] = [github];
