// The playground page. No build step: plain modules, the DOM, EventSource for the emulator's
// call stream and a WebSocket speaking the agents SDK's state sync to the conversation agent.

const $ = (selector, root = document) => root.querySelector(selector);
const el = (tag, attributes = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null) node.setAttribute(key, value);
  }
  node.append(...children.flat().filter((child) => child !== null && child !== undefined));
  return node;
};
const escapeHtml = (text) => text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

/** Enough Markdown for the bot's comments: code blocks, inline code, bold, lists, paragraphs. */
function markdown(text) {
  const blocks = text.replace(/<!--[\s\S]*?-->/g, "").trim().split(/```/);
  return blocks
    .map((block, index) => {
      if (index % 2 === 1) return `<pre><code>${escapeHtml(block.replace(/^[\w-]*\n/, ""))}</code></pre>`;
      return escapeHtml(block)
        .replace(/`([^`]+)`/g, "<code>$1</code>")
        .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
        .replace(/\[([^\]]+)\]\((https?:[^)\s]+)\)/g, '<a href="$2" target="_blank" rel="noreferrer">$1</a>')
        .replace(/^_(.+)_$/gm, "<em>$1</em>")
        .replace(/^&gt; (.*)\n?/gm, "<blockquote>$1</blockquote>")
        .replace(/^- (.*)$/gm, "• $1")
        .replace(/\n/g, "<br>");
    })
    .join("");
}

const state = { config: null, platform: "github", conversationKey: null, socket: null, selected: null, repo: { owner: "octo-org", name: "demo" }, turns: new Map(), shownTurn: null };

const PRESETS = {
  bug: {
    title: "Editor crashes when opening a large JSON file",
    body: "### Steps to reproduce\n1. Open a 40 MB JSON file\n2. Scroll to the end\n\n### Expected behavior\nThe file opens.\n\n### Actual behavior\nThe window freezes, then:\n```\nRangeError: Maximum call stack size exceeded\n    at tokenize (tokenizer.js:118:9)\n```",
  },
  feature: {
    title: "Add a dark theme",
    body: "It would be nice to have a dark theme option in the settings, so the editor is easier on the eyes at night.",
  },
  question: {
    title: "How do I configure a proxy?",
    body: "Is there a way to route requests through a corporate proxy? I could not find it in the docs.",
  },
};

/** `git diff` output for the pull request form; fake credentials are assembled so no scanner mistakes this file for a leak. */
const fakeAwsKeyId = ["AKIA", "QYLPMN5HHHFPZAM2"].join("");
const fakeAwsSecret = ["1tUm636uS1yOEcfP5pvf", "qJ/ml36mF7AkyHsEU0IU"].join("");
const newFile = (path, lines) =>
  [`diff --git a/${path} b/${path}`, "new file mode 100644", "--- /dev/null", `+++ b/${path}`, `@@ -0,0 +1,${lines.length} @@`, ...lines.map((line) => `+${line}`)].join("\n");
const PR_PRESETS = {
  secret: {
    title: "Upload build artifacts to S3",
    diff: newFile("src/deploy/upload.ts", [
      'import { S3Client } from "@aws-sdk/client-s3";',
      "",
      "export const s3 = new S3Client({",
      '  region: "eu-west-1",',
      `  credentials: { accessKeyId: "${fakeAwsKeyId}", secretAccessKey: "${fakeAwsSecret}" },`,
      "});",
    ]),
  },
  "no tests": {
    title: "Round invoice totals per line",
    diff: [
      "diff --git a/src/billing/invoice.ts b/src/billing/invoice.ts",
      "--- a/src/billing/invoice.ts",
      "+++ b/src/billing/invoice.ts",
      "@@ -40,3 +40,7 @@ export interface Invoice {",
      " export function total(invoice: Invoice): number {",
      "-  return invoice.lines.reduce((sum, line) => sum + line.amount, 0);",
      "+  return invoice.lines.reduce((sum, line) => sum + roundCents(line.amount), 0);",
      " }",
      "+",
      "+function roundCents(amount: number): number {",
      "+  return Math.round(amount * 100) / 100;",
      "+}",
    ].join("\n"),
  },
  migration: {
    title: "Record when an invoice was paid",
    diff: [
      newFile("migrations/0004_invoice_paid_at.sql", ["ALTER TABLE invoices ADD COLUMN paid_at TEXT;", "CREATE INDEX invoices_paid_at ON invoices (paid_at);"]),
      newFile("src/billing/paid.ts", ["export const markPaid = (db: D1Database, id: string) =>", '  db.prepare("UPDATE invoices SET paid_at = datetime() WHERE id = ?").bind(id).run();']),
      newFile("src/billing/paid.test.ts", ['it("marks an invoice paid", async () => expect(await markPaid(db, "inv_1")).toBeTruthy());']),
    ].join("\n"),
  },
  lockfile: {
    title: "Bump transitive dependencies",
    diff: [
      "diff --git a/package-lock.json b/package-lock.json",
      "--- a/package-lock.json",
      "+++ b/package-lock.json",
      "@@ -1200,5 +1200,5 @@",
      '     "node_modules/undici": {',
      '-      "version": "6.21.0",',
      '+      "version": "6.21.1",',
      '       "license": "MIT"',
    ].join("\n"),
  },
  large: {
    title: "Rewrite the expression parser",
    diff: [
      newFile("src/parser/grammar.ts", Array.from({ length: 1200 }, (_, i) => `export const rule${i} = token("r${i}");`)),
      newFile("src/parser/grammar.test.ts", Array.from({ length: 300 }, (_, i) => `test("rule ${i}", () => expect(parse("r${i}")).toBeDefined());`)),
    ].join("\n"),
  },
};

/**
 * Views refresh on every call the bot makes, and a streamed answer makes many: a refresh that
 * started before a newer one drops its snapshot, so a growing message never shows an older text.
 */
let refreshes = 0;

async function api(path, body) {
  const response = await fetch(path, body ? { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : undefined);
  return response.json();
}

function renderPlatforms() {
  const nav = $("#platforms");
  nav.replaceChildren(
    ...["github", "slack", "discord", "linear"].map((name) =>
      el(
        "button",
        {
          "aria-pressed": String(state.platform === name),
          disabled: state.config.enabled.includes(name) && VIEWS[name] ? null : "",
          title: VIEWS[name] ? (state.config.enabled.includes(name) ? "" : `${name} is not enabled (see /health)`) : `${name}: coming to the playground`,
          onclick: () => {
            state.platform = name;
            renderPlatforms();
            VIEWS[name].compose();
            VIEWS[name].refresh();
          },
        },
        { github: "GitHub", slack: "Slack", discord: "Discord", linear: "Linear" }[name],
      ),
    ),
  );
}

// ---- GitHub --------------------------------------------------------------------------------

const github = {
  compose() {
    const result = el("div", { class: "result", id: "send-result" });
    const repoField = () => el("input", { name: "repo", value: `${state.repo.owner}/${state.repo.name}`, "aria-label": "repository" });
    const issueForm = el(
      "form",
      { id: "open-issue", onsubmit: (event) => send(event, "issue") },
      el("h2", {}, "Open an issue"),
      el("div", { class: "presets" }, ...Object.keys(PRESETS).map((kind) => el("button", { type: "button", onclick: () => preset(kind) }, kind))),
      el("label", {}, "Repository"),
      repoField(),
      el("label", {}, "Title"),
      el("input", { name: "title", required: "" }),
      el("label", {}, "Description"),
      el("textarea", { name: "body" }),
      el("button", { class: "primary", type: "submit" }, "Submit new issue"),
    );
    const commentForm = el(
      "form",
      { id: "comment", onsubmit: (event) => send(event, "comment") },
      el("h2", {}, "Comment"),
      el("p", { class: "hint" }, `On the selected issue. Mention @${state.config.bot} to ask the bot something.`),
      el("textarea", { name: "body", required: "" }, `@${state.config.bot} why did you label it that way?`),
      el("button", { class: "primary", type: "submit" }, "Comment"),
    );
    const prForm = el(
      "form",
      { id: "open-pr", onsubmit: (event) => send(event, "pull_request") },
      el("h2", {}, "Open a pull request"),
      el("div", { class: "presets" }, ...Object.keys(PR_PRESETS).map((kind) => el("button", { type: "button", onclick: () => prPreset(kind) }, kind))),
      el("label", {}, "Title"),
      el("input", { name: "title", value: PR_PRESETS.secret.title, required: "" }),
      el("label", {}, "Changes (git diff)"),
      el("textarea", { name: "diff", spellcheck: "false" }, PR_PRESETS.secret.diff),
      el("button", { class: "primary", type: "submit" }, "Create pull request"),
    );
    $("#compose").replaceChildren(issueForm, commentForm, prForm, result);

    function preset(kind) {
      issueForm.elements.title.value = PRESETS[kind].title;
      issueForm.elements.body.value = PRESETS[kind].body;
    }

    function prPreset(kind) {
      prForm.elements.title.value = PR_PRESETS[kind].title;
      prForm.elements.diff.value = PR_PRESETS[kind].diff;
    }

    async function send(event, action) {
      event.preventDefault();
      const form = event.target;
      const [owner, repo] = (issueForm.elements.repo.value || "octo-org/demo").split("/");
      state.repo = { owner, name: repo };
      const body = { action, owner, repo, login: "octocat" };
      if (action === "issue") Object.assign(body, { title: form.elements.title.value, body: form.elements.body.value });
      if (action === "comment") {
        if (!state.selected) return (result.textContent = "Select or open an issue first.");
        Object.assign(body, { number: state.selected, body: form.elements.body.value });
      }
      if (action === "pull_request") Object.assign(body, { title: form.elements.title.value, body: "", diff: form.elements.diff.value });
      const sent = await api("/playground/send/github", body);
      if (sent.error) return (result.textContent = sent.error);
      result.textContent = `Worker answered ${sent.status}: ${JSON.stringify(sent.response)}`;
      if (sent.number) state.selected = sent.number;
      if (sent.response?.conversationKey) watch(sent.response.conversationKey);
      await github.refresh();
    }
  },

  async refresh() {
    const snapshot = await api("/_emulator/state/github");
    const repo = snapshot.repos?.find((r) => r.owner === state.repo.owner && r.name === state.repo.name);
    const issues = repo?.issues ?? [];
    const list = el(
      "ul",
      { class: "issue-list" },
      issues.map((issue) =>
        el(
          "li",
          { "aria-selected": String(issue.number === state.selected), onclick: () => ((state.selected = issue.number), github.refresh(), watch(`github:${state.repo.owner}/${state.repo.name}#${issue.number}`)) },
          `${issue.pull_request ? "⇄" : "◎"} ${issue.title} `,
          el("span", { class: "hint" }, `#${issue.number}`),
        ),
      ),
    );
    const issue = issues.find((candidate) => candidate.number === state.selected);
    const view = issue
      ? el(
          "article",
          { class: "issue" },
          el("h2", {}, `${issue.title} `, el("span", {}, `#${issue.number}`)),
          el(
            "div",
            { class: "issue-state" },
            el("span", { class: `state ${issue.state}`, id: "github-state" }, issue.state === "closed" ? "Closed" : "Open"),
            // A maintainer closes it: GitHub sends issues.closed, and chat threads following it hear about it.
            issue.state === "open" && !issue.pull_request
              ? el("button", { type: "button", id: "github-close", onclick: () => closeIssue(issue.number) }, "Close issue as maria (maintainer)")
              : null,
          ),
          el("div", { class: "labels" }, issue.labels.map((label) => el("span", { style: `background:#${label.color};color:${contrast(label.color)}` }, label.name))),
          comment(issue.user?.login ?? "octocat", issue.body ?? "", false, "author"),
          issue.files ? filesChanged(issue.files) : null,
          issue.comment_list.map((c) => comment(c.user.login, c.body ?? "", c.user.type === "Bot" || c.user.login === state.config.bot)),
        )
      : el("p", { class: "hint" }, "No issue selected. Open one on the left.");
    if (state.platform !== "github") return; // switched views while this refresh was on its way
    $("#platform-view").replaceChildren(el("h2", {}, `${state.repo.owner}/${state.repo.name}`), list, view);
  },
};

async function closeIssue(number) {
  const sent = await api("/playground/github/close", { owner: state.repo.owner, repo: state.repo.name, number });
  $("#send-result") && ($("#send-result").textContent = `Worker answered ${sent.status}: ${JSON.stringify(sent.response ?? sent.error)}`);
  await github.refresh();
}

function comment(login, body, isBot, badge) {
  const node = el(
    "div",
    { class: `comment${isBot ? " bot" : ""}` },
    el("div", {}, el("strong", {}, login), isBot ? el("span", { class: "badge" }, "bot") : null, badge ? el("span", { class: "badge" }, badge) : null),
    el("div", { class: "body" }),
  );
  node.lastChild.innerHTML = markdown(body) || '<span class="hint">No description provided.</span>';
  return node;
}

function filesChanged(files) {
  return el(
    "details",
    { class: "files" },
    el("summary", {}, `Files changed (${files.length})`),
    el("ul", {}, files.map((file) => el("li", {}, el("code", {}, file.filename), " ", el("span", { class: "added" }, `+${file.additions}`), " ", el("span", { class: "deleted" }, `−${file.deletions}`)))),
  );
}

function contrast(hex) {
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return r * 0.299 + g * 0.587 + b * 0.114 > 150 ? "#1f2328" : "#fff";
}

// ---- Slack ---------------------------------------------------------------------------------

const SLACK_CHANNELS = { C0PLAYGRND: "#general", D0PLAYGRND: "Direct message" };
/** The dev workspace; others are those the app was installed in through the Worker's install link. */
const SLACK_HOME = "T0SWITCHDEV";

/** A workspace's channels. Slack's channel ids are unique across workspaces, so another workspace's are its own. */
function slackChannels(team) {
  if (team === SLACK_HOME) return SLACK_CHANNELS;
  const suffix = team.slice(1);
  return { [`C${suffix}`]: "#general", [`D${suffix}`]: "Direct message" };
}
/** The dev workspace's people (dev/emulator/slack.ts DEV_SLACK_PEOPLE): an admin, whose clicks approve, and a visitor, whose clicks do not. */
const SLACK_PEOPLE = { U0PLAYGRND: "you (workspace admin)", U0VISITOR1: "visitor (not allowed to approve)" };

/** Slack's mrkdwn as the bot sends it, as the page's Markdown: links, bold, quotes. */
function slackToMarkdown(text) {
  return text
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, "$2 ($1)")
    .replace(/<(https?:[^>]+)>/g, "$1")
    .replace(/&gt;/g, ">")
    .replace(/&lt;/g, "<")
    .replace(/&amp;/g, "&")
    .replace(/(^|[\s(“])\*([^*\n]+)\*/g, "$1**$2**");
}

/** How Slack marks a streamed task's status. */
const TASK_MARKS = { pending: "○", in_progress: "◔", complete: "✓", error: "✗" };

const slack = {
  team: SLACK_HOME,
  channel: "C0PLAYGRND",
  thread: null,
  user: "U0PLAYGRND",
  compose() {
    const result = el("div", { class: "result", id: "send-result" });
    const form = el(
      "form",
      { id: "slack-message", onsubmit: send },
      el("h2", {}, "Post a message"),
      el("label", {}, "Where"),
      el("select", { name: "channel", onchange: (event) => ((slack.channel = event.target.value), (slack.thread = null), slack.refresh()) },
        Object.entries(slackChannels(slack.team)).map(([id, name]) => el("option", { value: id, ...(id === slack.channel ? { selected: "" } : {}) }, name))),
      el("label", {}, "Act as"),
      el("select", { name: "user", id: "slack-user", onchange: (event) => ((slack.user = event.target.value), slack.refresh()) },
        Object.entries(SLACK_PEOPLE).map(([id, name]) => el("option", { value: id, ...(id === slack.user ? { selected: "" } : {}) }, name))),
      el("p", { class: "hint", id: "slack-thread-hint" }, "Click a message on the right to reply in its thread. The bot's buttons are pressed as the person you act as."),
      el("label", {}, "Message"),
      el("textarea", { name: "text", required: "" }, "Checkout crashes with TypeError: Cannot read properties of undefined (reading 'total') after I click Pay. Started with v2.4.1."),
      el("button", { class: "primary", type: "submit" }, "Send"),
    );
    $("#compose").replaceChildren(form, result);

    async function send(event) {
      event.preventDefault();
      const sent = await api("/playground/send/slack", { team: slack.team, channel: slack.channel, text: form.elements.text.value, user: slack.user, ...(slack.thread ? { threadTs: slack.thread } : {}) });
      result.textContent = `Worker answered ${sent.status}: ${JSON.stringify(sent.response)}`;
      if (!slack.thread) slack.thread = sent.ts;
      if (sent.response?.conversationKey) watch(sent.response.conversationKey);
      await slack.refresh();
    }
  },

  async refresh() {
    const ticket = ++refreshes;
    const snapshot = await api("/_emulator/state/slack");
    if (ticket !== refreshes) return;
    const workspaces = (snapshot.workspaces ?? []).filter((w) => w.installed);
    const workspace = workspaces.find((w) => w.teamId === slack.team) ?? { teamId: slack.team, name: slack.team, botUserId: snapshot.bot?.userId };
    const messages = (snapshot.channels?.[slack.channel] ?? []).filter((m) => m.team === slack.team);
    const isBot = (m) => Boolean(m.bot_id) || m.user === workspace.botUserId;
    const name = (m) => (isBot(m) ? state.config.bot : m.user === "U0PLAYGRND" ? "you" : m.user === "U0VISITOR1" ? "visitor" : m.user);
    const text = (m) => slackToMarkdown((m.text ?? "").replace(/<@[A-Z0-9]+>/g, (mention) => (mention.includes(workspace.botUserId) ? `@${state.config.bot}` : mention)));
    const top = messages.filter((m) => !m.thread_ts || m.thread_ts === m.ts);
    const replies = (ts) => messages.filter((m) => m.thread_ts === ts && m.ts !== ts);
    const reactions = snapshot.reactions ?? {};
    const render = (m) => {
      const node = m.blocks?.length
        ? blocksMessage(name(m), m)
        : comment(name(m), text(m), isBot(m), (reactions[`${slack.channel}:${m.ts}`] ?? []).map((r) => `:${r}:`).join(" ") || null);
      node.classList.add("slack");
      // A streamed answer (chat.startStream … stopStream) grows as the calls arrive; its tool steps show as tasks.
      if (m.streaming) node.classList.add("streaming");
      if (m.streaming && !m.text) node.lastChild.replaceChildren(el("span", { class: "hint" }, "…"));
      // Above the text, as Slack shows a stream's plan: the message's text stays its own.
      if (m.tasks?.length) node.insertBefore(el("ul", { class: "tasks" }, m.tasks.map((task) => el("li", {}, `${TASK_MARKS[task.status] ?? "•"} ${task.title}${task.output ? ` — ${task.output}` : ""}`))), node.lastChild);
      return node;
    };
    // The bot's Block Kit messages: sections, context lines, and buttons that send block_actions as the person acted as.
    const blocksMessage = (who, m) => {
      const node = comment(who, "", true, null);
      node.lastChild.replaceChildren(
        ...m.blocks.map((block) => {
          if (block.type === "actions") {
            return el("div", { class: "slack-actions" }, block.elements.map((button) =>
              el("button", {
                type: "button",
                class: `slack-button ${button.style ?? ""}`,
                onclick: async (event) => {
                  event.stopPropagation();
                  const sent = await api("/playground/slack/press", {
                    team: slack.team,
                    channel: slack.channel,
                    messageTs: m.ts,
                    ...(m.thread_ts ? { threadTs: m.thread_ts } : {}),
                    actionId: button.action_id,
                    value: button.value ?? "",
                    label: button.text?.text ?? button.action_id,
                    user: { id: slack.user, name: slack.user === "U0PLAYGRND" ? "you" : "visitor" },
                  });
                  $("#send-result").textContent = `Worker answered ${sent.status}: ${JSON.stringify(sent.response ?? sent.error)}`;
                  setTimeout(() => slack.refresh(), 300);
                },
              }, button.text?.text ?? button.action_id)));
          }
          const words = block.type === "context" ? block.elements.map((e) => e.text ?? "").join(" ") : (block.text?.text ?? "");
          const part = el("div", { class: block.type === "context" ? "hint" : "" });
          part.innerHTML = markdown(slackToMarkdown(words.replace(/<!date\^\d+\^[^|]*\|([^>]*)>/g, "$1")));
          return part;
        }),
      );
      return node;
    };
    // Ephemeral notes (a "Not allowed"): only the person they were sent to sees them.
    const notes = (snapshot.ephemerals ?? []).filter((e) => e.channel === slack.channel && e.user === slack.user);
    if (state.platform !== "slack") return;
    $("#platform-view").replaceChildren(
      slackWorkspaces(workspaces),
      el("h2", {}, slackChannels(slack.team)[slack.channel] ?? slack.channel),
      ...(top.length ? [] : [el("p", { class: "hint" }, "No messages yet.")]),
      ...notes.map((note) => el("p", { class: "ephemeral" }, `Only visible to you — ${state.config.bot}: ${note.text}`)),
      ...top.map((m) =>
        el(
          "div",
          { class: `slack-message${slack.thread === m.ts ? " selected" : ""}`, onclick: () => ((slack.thread = m.ts), slack.refresh(), watch(`slack:${slack.team}:${slack.channel}:${m.ts}`)) },
          render(m),
          el("div", { class: "thread" }, replies(m.ts).map(render)),
        ),
      ),
    );
  },
};

/**
 * The workspaces the app is in, as Slack's switcher shows them, and the Worker's own install link:
 * it runs Slack's OAuth round trip (the emulator's consent page, then /oauth/slack/callback) in a
 * new tab, and the workspace appears here once the Worker exchanged the code.
 */
function slackWorkspaces(workspaces) {
  return el(
    "nav",
    { class: "workspaces", "aria-label": "Workspace" },
    workspaces.map((w) =>
      el("button", {
        type: "button",
        "aria-pressed": String(w.teamId === slack.team),
        title: w.teamId,
        onclick: () => {
          if (w.teamId === slack.team) return;
          slack.team = w.teamId;
          slack.channel = Object.keys(slackChannels(w.teamId))[0];
          slack.thread = null;
          slack.compose();
          slack.refresh();
        },
      }, w.name),
    ),
    state.config.slackInstalls
      ? el("a", { href: `${state.config.workerUrl}/oauth/slack/install`, target: "_blank", rel: "opener", id: "slack-install" }, "+ Install in another workspace")
      : null,
  );
}

// ---- Discord -------------------------------------------------------------------------------

/** The dev server's channels: reports in #bug-reports are filed (TICKET_TRACKERS, dev/defaults.ts); #general is only triaged. */
const DISCORD_CHANNELS = { "1300000000000000100": "#general", "1300000000000000101": "#bug-reports" };
/** dev/discord-events.ts DEV_DISCORD_PEOPLE: you manage the server, so your presses approve; a visitor's are refused. */
const DISCORD_PEOPLE = {
  you: { id: "1033044521375764530", label: "you (Manage Server)" },
  visitor: { id: "1033044521375764531", label: "visitor (not allowed to approve)" },
};
const DISCORD_BUTTON_STYLES = { 1: "primary", 2: "secondary", 3: "success", 4: "danger" };

/** Discord's `<t:unix:style>` timestamps, as a reader sees them: relative ("in 24 hours") or a date. */
function discordTimestamps(text) {
  return text.replace(/<t:(-?\d+)(?::([tTdDfFR]))?>/g, (_, seconds, style) => {
    const at = Number(seconds) * 1000;
    if (style !== "R") return new Date(at).toLocaleString();
    const hours = Math.round((at - Date.now()) / 3_600_000);
    return hours === 0 ? "within the hour" : hours > 0 ? `in ${hours} hours` : `${-hours} hours ago`;
  });
}

/** The dev server's id (dev/emulator/discord.ts DEV_DISCORD.guildId): conversation keys name it. */
const DISCORD_GUILD = "1300000000000000002";

const discord = {
  channel: "1300000000000000100",
  /** The thread open beside the channel, as Discord opens one from "N messages" under its starter. */
  thread: null,
  person: "you",
  /** Opens a thread (or closes the one open, with null) and watches its conversation. */
  openThread(thread) {
    discord.thread = thread?.id ?? null;
    discord.compose();
    discord.refresh();
    if (thread) watch(`discord:${DISCORD_GUILD}:${thread.parent_id}:${thread.id}`);
  },
  compose() {
    const result = el("div", { class: "result", id: "send-result" });
    const where = el(
      "form",
      { id: "discord-where", onsubmit: (event) => event.preventDefault() },
      el("label", {}, "Channel"),
      el("select", { name: "channel", id: "discord-channel", onchange: (event) => ((discord.channel = event.target.value), discord.openThread(null)) },
        Object.entries(DISCORD_CHANNELS).map(([id, name]) => el("option", { value: id, ...(id === discord.channel ? { selected: "" } : {}) }, name))),
      el("label", {}, "Act as"),
      el("select", { name: "person", id: "discord-person", onchange: (event) => ((discord.person = event.target.value), discord.refresh()) },
        Object.entries(DISCORD_PEOPLE).map(([id, person]) => el("option", { value: id, ...(id === discord.person ? { selected: "" } : {}) }, person.label))),
      el("p", { class: "hint" }, "The bot answers each mention in a thread started from it: “N messages” under the message opens the thread. Reports in #bug-reports can become GitHub issues in octo-org/demo. The bot's buttons are pressed as the person you act as."),
    );
    const make = (kind, title, hint, text, button) =>
      el(
        "form",
        { id: `discord-${kind}`, onsubmit: (event) => send(event, kind) },
        el("h2", {}, title),
        el("p", { class: "hint" }, hint),
        el("textarea", { name: "text", required: "" }, text),
        el("button", { class: "primary", type: "submit" }, button),
      );
    $("#compose").replaceChildren(
      where,
      discord.thread
        ? make("mention", "Reply in the thread", "A message in the open thread; the bot takes part there, so no mention is needed. It reaches the Worker over the Gateway.", "It also happens when I save an empty draft.", "Send reply")
        : make("mention", "@-mention the bot", "A message in the channel that mentions the bot; it reaches the Worker over the Gateway, and the bot answers in a thread started from it.", "The bot crashes with TypeError: Cannot read properties of undefined (reading 'guild') when I run it in a thread", "Send message"),
      make("command", "/triage", discord.thread ? "The slash command, run in the open thread: answered deferred, then edited, in the thread's conversation." : "The slash command, through the interactions endpoint: answered deferred, then edited, in the channel.", "Export to CSV fails with a 500 error since yesterday's deploy", "Run /triage"),
      result,
    );
    async function send(event, kind) {
      event.preventDefault();
      const sent = await api("/playground/send/discord", { kind, channelId: discord.channel, ...(discord.thread ? { threadId: discord.thread } : {}), person: discord.person, text: event.target.elements.text.value });
      result.textContent = `Worker answered ${sent.status}: ${JSON.stringify(sent.response ?? sent.error)}`;
      if (sent.response?.conversationKey) watch(sent.response.conversationKey);
      await discord.refresh();
    }
  },

  async refresh() {
    const ticket = ++refreshes;
    const snapshot = await api("/_emulator/state/discord");
    if (ticket !== refreshes) return;
    const threads = new Map((snapshot.threads ?? []).map((thread) => [thread.id, thread]));
    const text = (m) => discordTimestamps((m.content ?? "").replace(/<@!?(\d+)>/g, (_, id) => (m.mentions?.find((u) => u.id === id)?.bot ? `@${state.config.bot}` : `@${id}`)));
    const render = (m, inThread) => {
      const node = comment(m.author?.global_name ?? m.author?.username ?? "?", text(m), Boolean(m.author?.bot || m.webhook_id), m.message_reference ? "reply" : null);
      node.classList.add("slack");
      const buttons = (m.components ?? []).flatMap((row) => row.components ?? []).filter((c) => c.type === 2 && c.custom_id);
      if (buttons.length) node.lastChild.append(el("div", { class: "discord-actions" }, buttons.map((button) => discordButton(m, button))));
      // A message a thread was started from shows it under itself, as Discord does: its name and "N messages".
      const thread = inThread ? null : threads.get(m.id);
      if (thread) {
        const count = thread.message_count ?? 0;
        node.lastChild.append(
          el("button", { type: "button", class: "discord-thread-link", "aria-pressed": String(discord.thread === thread.id), onclick: () => discord.openThread(discord.thread === thread.id ? null : thread) },
            el("strong", {}, thread.name), el("span", { class: "count" }, `${count} ${count === 1 ? "message" : "messages"} ›`)),
        );
      }
      return node;
    };
    const ephemeral = (note) =>
      el("p", { class: "ephemeral" }, `Only you can see this — ${state.config.bot}: `, el("span", {}, note.message.content));
    /** A channel's or a thread's messages and the notes only you see there, in time order (snowflake ids grow with time). */
    const timeline = (channelId, inThread) => {
      // Ephemeral follow-ups ("Not allowed: …"): Discord shows them to the person who pressed, and no one else.
      const notes = (snapshot.ephemerals ?? []).filter((e) => e.channelId === channelId && e.userId === DISCORD_PEOPLE[discord.person].id);
      const items = [...(snapshot.channels?.[channelId] ?? []).map((m) => ({ id: m.id, node: () => render(m, inThread) })), ...notes.map((n) => ({ id: n.message.id, node: () => ephemeral(n) }))]
        .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
      return items.length ? items.map((item) => item.node()) : [el("p", { class: "hint" }, "No messages yet.")];
    };
    const open = threads.get(discord.thread);
    const starter = open && (snapshot.channels?.[open.parent_id] ?? []).find((m) => m.id === open.id);
    const channelPane = el("div", { class: "discord-channel" }, el("h2", {}, DISCORD_CHANNELS[discord.channel] ?? discord.channel), ...timeline(discord.channel, false));
    const threadPane = open
      ? el(
          "aside",
          { class: "discord-thread", "aria-label": "Thread" },
          el("h2", {}, `🧵 ${open.name} `, el("button", { type: "button", class: "discord-thread-close", title: "Close the thread", onclick: () => discord.openThread(null) }, "×")),
          starter ? el("div", { class: "discord-starter" }, render(starter, true)) : null,
          ...timeline(open.id, true),
        )
      : null;
    if (state.platform !== "discord") return;
    $("#platform-view").replaceChildren(el("div", { class: `discord-split${threadPane ? " with-thread" : ""}` }, channelPane, threadPane));
  },
};

/** One of the bot's buttons: a press is a signed MESSAGE_COMPONENT interaction from the person acted as. */
function discordButton(message, button) {
  return el(
    "button",
    {
      type: "button",
      class: `discord-button ${DISCORD_BUTTON_STYLES[button.style] ?? "secondary"}`,
      onclick: async () => {
        const sent = await api("/playground/discord/press", { channelId: message.channel_id, messageId: message.id, customId: button.custom_id, person: discord.person });
        $("#send-result").textContent = `Worker answered ${sent.status}: ${JSON.stringify(sent.response ?? sent.error)}`;
        await discord.refresh();
      },
    },
    button.label ?? button.custom_id,
  );
}

// ---- Linear --------------------------------------------------------------------------------

const linear = {
  selected: null,
  compose() {
    const result = el("div", { class: "result", id: "send-result" });
    const form = el(
      "form",
      { id: "linear-issue", onsubmit: send },
      el("h2", {}, "Create an issue for the bot"),
      el("div", { class: "presets" }, ...Object.keys(PRESETS).map((kind) => el("button", { type: "button", onclick: () => ((form.elements.title.value = PRESETS[kind].title), (form.elements.description.value = PRESETS[kind].body)) }, kind))),
      el("label", {}, "Title"),
      el("input", { name: "title", required: "", value: PRESETS.bug.title }),
      el("label", {}, "Description"),
      el("textarea", { name: "description" }, PRESETS.bug.body),
      el("label", {}, "Hand it to the bot by"),
      el("select", { name: "action" }, el("option", { value: "assign" }, "assigning it (comment + fields)"), el("option", { value: "delegate" }, "delegating it (agent session)")),
      el("button", { class: "primary", type: "submit" }, "Create issue"),
    );
    $("#compose").replaceChildren(form, result);
    async function send(event) {
      event.preventDefault();
      const sent = await api("/playground/send/linear", { action: form.elements.action.value, title: form.elements.title.value, description: form.elements.description.value });
      result.textContent = `Worker answered ${sent.status}: ${JSON.stringify(sent.response)}`;
      linear.selected = sent.issueId;
      if (sent.response?.conversationKey) watch(sent.response.conversationKey);
      await linear.refresh();
    }
  },

  async refresh() {
    const snapshot = await api("/_emulator/state/linear");
    const issues = (snapshot.teams ?? []).flatMap((team) => team.issues);
    const issue = issues.find((candidate) => candidate.id === linear.selected);
    const who = (id) => (id === snapshot.viewer?.id ? state.config.bot : "Ada Lovelace");
    if (state.platform !== "linear") return;
    $("#platform-view").replaceChildren(
      el("h2", {}, "Engineering"),
      el("ul", { class: "issue-list" }, issues.map((i) => el("li", { "aria-selected": String(i.id === linear.selected), onclick: () => ((linear.selected = i.id), linear.refresh(), watch(`linear:${i.id}`)) }, `${i.identifier} ${i.title}`))),
      ...(issue
        ? [
            el(
              "article",
              { class: "issue" },
              el("h2", {}, `${issue.title} `, el("span", {}, issue.identifier)),
              el("div", { class: "labels" }, ...issue.labels.filter(Boolean).map((name) => el("span", { style: "background:#eb5757;color:#fff" }, name)), el("span", { class: "badge", id: "linear-priority" }, `Priority: ${issue.priorityLabel}`), el("span", { class: "badge", id: "linear-state" }, issue.state ?? ""),
                issue.state !== "Done" && issue.state !== "Canceled"
                  ? el("button", { type: "button", id: "linear-done", onclick: () => moveLinear(issue.id, "Done") }, "Mark Done as Ada")
                  : null),
              comment("Ada Lovelace", issue.description ?? "", false, "author"),
              ...issue.sessions.flatMap((session) => session.activities.map((a) => comment(state.config.bot, a.content.body ?? a.content.action ?? "", true, a.content.type))),
              ...issue.comments.map((c) => comment(who(c.userId), c.body, c.userId === snapshot.viewer?.id)),
            ),
          ]
        : [el("p", { class: "hint" }, "Create an issue on the left.")]),
    );
  },
};

async function moveLinear(issueId, to) {
  const sent = await api("/playground/linear/state", { issueId, state: to });
  $("#send-result") && ($("#send-result").textContent = `Worker answered ${sent.status}: ${JSON.stringify(sent.response ?? sent.error)}`);
  await linear.refresh();
}

const VIEWS = { github, slack, discord, linear };

// ---- The conversation agent's live state (agents SDK state sync over WebSocket) -------------

function watch(conversationKey) {
  if (state.conversationKey === conversationKey && state.socket) return;
  state.socket?.close();
  state.conversationKey = conversationKey;
  state.turns = new Map();
  state.shownTurn = null;
  $("#agent-key").textContent = conversationKey;
  connect(conversationKey);
}

/**
 * The conversation's Durable Object over the agents SDK's state sync. A socket that closes while
 * it is still the one watched (the Worker reloaded, the connection dropped) is opened again: the
 * first message after connecting is the whole state, so nothing is missed.
 */
function connect(conversationKey, attempt = 0) {
  const url = `${state.config.workerUrl.replace(/^http/, "ws")}/agents/conversation/${encodeURIComponent(conversationKey)}`;
  const socket = new WebSocket(url);
  state.socket = socket;
  $("#agent-status").textContent = attempt ? "reconnecting…" : "connecting…";
  let opened = false;
  socket.addEventListener("open", () => ((opened = true), ($("#agent-status").textContent = "live")));
  socket.addEventListener("close", () => {
    if (state.socket !== socket) return;
    $("#agent-status").textContent = "disconnected, reconnecting…";
    // Backs off while the Worker does not answer; a connection that had opened starts over.
    const next = opened ? 1 : attempt + 1;
    setTimeout(() => state.socket === socket && connect(conversationKey, next), Math.min(5_000, 250 * 2 ** (next - 1)));
  });
  socket.addEventListener("message", (message) => {
    const data = JSON.parse(message.data);
    if (data.type === "cf_agent_state") renderAgent(data.state);
  });
}

function stepItem(step) {
  return el("li", { class: step.replayed ? "replayed" : "" }, `${step.kind} ${step.name}${step.replayed ? " (from journal)" : ` ${step.externalMs.toFixed(1)} ms`}`);
}

function renderAgent(agent) {
  $("#state").textContent = JSON.stringify(agent, null, 2);
  $("#inbox tbody").replaceChildren(
    ...(agent.inbox ?? []).map((row) =>
      el("tr", {}, el("td", {}, String(row.seq)), el("td", { title: row.dedupeId }, row.dedupeId.slice(0, 12)), el("td", { class: row.status }, row.status), el("td", {}, String(row.attempts))),
    ),
  );
  const steps = agent.current?.steps ?? [];
  $("#steps").replaceChildren(
    ...(agent.current
      ? steps.length
        ? steps.map(stepItem)
        : [el("li", { class: "hint" }, `turn ${agent.current.seq} starting (attempt ${agent.current.attempt})`)]
      : [el("li", { class: "hint" }, "idle")]),
  );
  const last = agent.last;
  $("#last").replaceChildren(
    ...[
      last
        ? `turn ${last.seq}: ${last.status}, ${last.steps} steps${last.modelCalls !== undefined ? `, ${last.modelCalls} model calls` : ""}${last.error ? ` — ${last.error}` : ""}`
        : "none yet",
      last?.journal?.length ? el("ol", { class: "steps", start: "0" }, last.journal.map(stepItem)) : null,
    ].filter(Boolean),
  );
  // Each turn seen finishing while the page watched: its spend, and its spans for the timeline.
  if (last) state.turns.set(last.seq, last);
  renderUsage(agent.today);
}

const tokens = (n) => n.toLocaleString("en-US");
const dollars = (usd) => (usd === null || usd === undefined ? "no price" : `$${usd.toFixed(usd > 0 && usd < 0.01 ? 4 : 2)}`);

function renderUsage(today) {
  const turns = [...state.turns.values()].sort((a, b) => b.seq - a.seq);
  const shown = state.turns.get(state.shownTurn) ?? turns.find((turn) => turn.spans?.length);
  $("#turns tbody").replaceChildren(
    ...turns.map((turn) =>
      el(
        "tr",
        { "aria-selected": String(turn === shown), title: "Show this turn's timeline", onclick: () => ((state.shownTurn = turn.seq), renderUsage(today)) },
        el("td", {}, String(turn.seq)),
        el("td", {}, turn.status),
        el("td", {}, turn.usage ? tokens(turn.usage.inputTokens) : "–"),
        el("td", {}, turn.usage ? tokens(turn.usage.outputTokens) : "–"),
        el("td", {}, turn.usage ? dollars(turn.usage.usd) : "–"),
      ),
    ),
  );
  $("#today").textContent = today
    ? `Today this conversation spent ${tokens(today.inputTokens)} input and ${tokens(today.outputTokens)} output tokens, ${dollars(today.usd)}.`
    : "Today: nothing spent yet.";
  $("#timeline-turn").textContent = shown?.spans?.length ? `turn ${shown.seq}` : "";
  $("#timeline").replaceChildren(...(shown?.spans?.length ? timeline(shown.spans) : [el("p", { class: "hint" }, "A finished turn's spans appear here.")]));
}

/**
 * A turn's spans as bars on one time axis, each under its parent (turn → model call → tool →
 * reply). Spans arrive in the order they started, parents first, so that order nests them.
 * Only names, timings, token counts and finish reasons are shown: spans carry no message text.
 */
function timeline(spans) {
  const end = Math.max(1, ...spans.map((span) => span.startMs + span.durationMs));
  const byId = new Map(spans.map((span) => [span.id, span]));
  const depth = (span) => (span.parent === null || !byId.has(span.parent) ? 0 : 1 + depth(byId.get(span.parent)));
  return spans.map((span) => {
    const a = span.attributes ?? {};
    const detail = [
      a["gen_ai.usage.input_tokens"] !== undefined ? `${a["gen_ai.usage.input_tokens"]} in · ${a["gen_ai.usage.output_tokens"] ?? 0} out` : null,
      a["gen_ai.response.finish_reasons"] ? `finish: ${a["gen_ai.response.finish_reasons"]}` : null,
      span.status === "error" ? "error" : null,
    ].filter(Boolean);
    const kind = String(a["gen_ai.operation.name"] ?? "");
    return el(
      "div",
      { class: "span-row", "data-span": span.name, "data-depth": String(depth(span)), title: [`${span.name}: starts at ${span.startMs} ms, takes ${span.durationMs} ms`, ...detail].join("\n") },
      el(
        "div",
        { class: "span-label" },
        el("span", { class: "span-name", style: `padding-left:${depth(span) * 12}px` }, span.name),
        el("span", { class: "span-ms" }, `${detail.length ? `${detail[0]} · ` : ""}${span.durationMs.toFixed(span.durationMs < 10 ? 1 : 0)} ms`),
      ),
      el(
        "div",
        { class: "span-track" },
        el("div", { class: `span-bar ${kind} ${span.status === "error" ? "error" : ""}`, style: `left:${(span.startMs / end) * 100}%;width:${(span.durationMs / end) * 100}%` }),
      ),
    );
  });
}

// ---- Start ------------------------------------------------------------------------------------

state.config = await api("/playground/config");
renderPlatforms();
github.compose();
await github.refresh();
const calls = new EventSource("/_emulator/calls/stream");
calls.addEventListener("call", () => VIEWS[state.platform]?.refresh());
