// Every channel held to the same behaviour: what differs between platforms lives in the adapters
// beside this file; what is left to test per platform lives in test/<platform>-*.test.ts.
import { describeChannelContract } from "./contract.ts";
import { discordContract } from "./discord.ts";
import { githubContract } from "./github.ts";
import { linearContract } from "./linear.ts";
import { slackContract } from "./slack.ts";

describeChannelContract(slackContract);
describeChannelContract(githubContract);
describeChannelContract(linearContract);
describeChannelContract(discordContract);
