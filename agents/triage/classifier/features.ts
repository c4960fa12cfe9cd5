/**
 * Feature extraction for the issue-triage classifier.
 *
 * Pure TypeScript, no Node APIs: this module runs inside Cloudflare workerd (via classify.ts)
 * and in the Node training script, so train-time and run-time features are identical.
 *
 * An issue becomes a bag of named features, each in a namespace:
 *   t:<word> / t:<w1> <w2>   title unigrams / bigrams
 *   tc:<chars>               title character 3..5-grams (within words)
 *   b:<word> / b:<w1> <w2>   body prose unigrams / bigrams (code blocks, URLs, HTML comments removed)
 *   m:<word>                 words inside HTML comments (issue-template instructions and markers,
 *                            e.g. vscode's "feature_request_template")
 *   h:<heading>              normalized markdown / bold headings of the body (template sections)
 *   s:<name>                 structural signals (template sections, stack traces, code, versions,
 *                            question phrasing, ...); these also carry the human-readable reasons.
 *   l:<kind> <words>         position-aware "lead" words: the title's prefix tag ("[Feature]",
 *                            "rpc:"), its first word / first two words, the first 12 body prose
 *                            tokens (unigrams + bigrams) and the very first body word
 *   sl:<words>               the first words under each template heading (answers such as
 *                            "Report a bug", "Bug", "Feature Request")
 * Optional groups that are off (weight 0) in the shipped model because they did not help in CV
 * (see README): bc: body char n-grams, sp: pairs of structural signals, k: code-block words,
 * e: closing words of the body, pl: first words of each paragraph, g: template signature x
 * structural signals; likewise the leadTrigrams / bodyDecay options.
 * Word-ish namespaces are log-count scaled and L2-normalized per group, then hashed into a fixed
 * number of buckets (FNV-1a) so the model artifact stays small.
 */

export const MAX_TITLE_CHARS = 300;
export const MAX_BODY_CHARS = 20_000;

/** A feature name with its (scaled) value. */
export type NamedFeature = { name: string; value: number };

/** Hyper-parameters of the vectorizer; stored in model.json so runtime matches training. */
export type FeatureConfig = {
  /** log2 of the number of hash buckets. */
  hashBits: number;
  /** Multipliers applied to each L2-normalized group (0 disables the group). */
  groupWeights: Record<FeatureGroup, number>;
  /** Add body word bigrams. */
  bodyBigrams: boolean;
  /** Only the first N prose tokens of the body are used (long logs add noise). */
  maxBodyTokens: number;
  /** The first N body prose tokens also go into the "lead" group (position-aware words). */
  leadTokens?: number;
  /** If > 0, body word i counts d / (d + i) instead of 1 (earlier words weigh more). */
  bodyDecay?: number;
  /** Add word trigrams to the body part of the lead group. */
  leadTrigrams?: boolean;
};

export type FeatureGroup = "title" | "titleChars" | "body" | "bodyChars" | "comment" | "heading" | "struct" | "structPairs" | "code" | "lead" | "tail" | "sectionLead" | "paraLead" | "template";

export const DEFAULT_FEATURE_CONFIG: FeatureConfig = {
  hashBits: 18,
  groupWeights: { title: 1, titleChars: 0.6, body: 1, bodyChars: 0, comment: 0.4, heading: 0.5, struct: 1, structPairs: 0, code: 0, lead: 1, tail: 0, sectionLead: 1, paraLead: 0, template: 0 },
  bodyBigrams: true,
  maxBodyTokens: 300,
  leadTokens: 12,
};

// ---------------------------------------------------------------------------------------------
// Text helpers (all regexes are linear-time: no nested quantifiers over the same characters).

const WORD_RE = /[\p{L}\p{N}_']+/gu;

/** Lowercased word tokens; digits collapse to "0", very long tokens are dropped. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(WORD_RE)) {
    let w = m[0];
    if (w.includes("'")) {
      w = w.replace(/^'+|'+$/g, "");
      if (w === "") continue;
    }
    if (w.length > 25) continue;
    if (/\d/.test(w)) {
      // Normalize numbers / hashes so "1.2.3" and "4.5" share tokens.
      if (/^\d+$/.test(w)) w = "0";
      else if (/^[0-9a-f]{7,}$/.test(w)) w = "<hex>";
      else w = w.replace(/\d+/g, "0");
    }
    out.push(stem(w));
  }
  return out;
}

/** A very light English suffix stripper (plural / -ing / -ed) to pool sparse counts. */
export function stem(w: string): string {
  if (w.length <= 4) return w;
  if (w.endsWith("ies") && w.length > 5) return w.slice(0, -3) + "y";
  if (w.endsWith("ing") && w.length > 6) return w.slice(0, -3);
  if (w.endsWith("ed") && w.length > 5 && !w.endsWith("eed")) return w.slice(0, -2);
  if (w.endsWith("s") && !w.endsWith("ss") && !w.endsWith("us") && !w.endsWith("is")) return w.slice(0, -1);
  return w;
}

const QUESTION_STARTS = new Set([
  "how", "what", "why", "where", "when", "which", "who", "is", "are", "can", "could", "does", "do",
  "should", "would", "will", "any", "has", "have",
]);

/** Phrase groups → structural feature. Matched against lowercased prose (code removed). */
const PHRASES: ReadonlyArray<readonly [string, RegExp]> = [
  ["s:ask_how", /\bhow (?:do|can|could|should|would|to)\b/],
  ["s:ask_possible", /\b(?:is it possible|is there (?:a|any) way|is there an? (?:option|setting|api))\b/],
  ["s:ask_help", /\b(?:any (?:idea|help|suggestion)s?|can (?:any|some)one|could (?:any|some)one|please help|help me|need help|i(?:'m| am) (?:trying|new to)|i want to know|wondering)\b/],
  ["s:ask_understand", /\b(?:what is the (?:difference|purpose|reason)|why (?:does|is|do)|i don'?t understand|confus)\w*/],
  ["s:want_feature", /\b(?:it would be (?:nice|great|good|helpful|useful)|would be (?:nice|great|useful|helpful) (?:if|to)|i(?:'d| would) (?:like|love) (?:to|if)|please (?:add|support|consider)|add (?:support|an? option|the ability)|feature request|proposal|propose|suggest(?:ion)?|allow (?:users?|me|to)|ability to|option to)\b/],
  ["s:bug_words", /\b(?:crash\w*|segfault|segmentation fault|core dumped|regression|broken|fails?|failed|failing|failure|doesn'?t work|does not work|not working|no longer|incorrect|wrong|unexpected(?:ly)?|exception|hangs?|freez\w*|leak\w*)\b/],
  ["s:error_words", /\b(?:error|errors|warning|assert(?:ion)?)\b/],
];

export type StructuralInfo = {
  codeBlocks: number;
  stackTrace: boolean;
  errorLine: boolean;
  version: boolean;
  numberedSteps: boolean;
  stepsSection: boolean;
  expectedSection: boolean;
  actualSection: boolean;
};

// Canonical template sections (matched against normalized heading text).
const HEADING_PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  ["s:h_steps", /\b(?:steps? to reproduce|repro(?:duction)? steps|to reproduce|how to reproduce|reproduc|code to reproduce|minimal (?:example|repro))/],
  ["s:h_expected", /\bexpected (?:behaviou?r|result|outcome|output)|what (?:is|was) the expected|what did you expect/],
  ["s:h_actual", /\b(?:actual|current|observed) (?:behaviou?r|result|outcome|output)|what (?:is|was) the current|what happened/],
  ["s:h_feature", /feature request|is your feature request related|describe the solution|solution you'?d like|alternatives you'?ve considered|describe the feature|feature and (?:the )?current|feature and motivation|who will benefit|will this change the current api|motivation|proposal|use case/],
  ["s:h_bugreport", /describe the bug|bug report|how often does this bug happen|have you reproduced the bug|error (?:message|call stack)|logs?|relevant log output|traceback/],
  ["s:h_question", /^question|your question|describe the (?:problem|question)|doc issue|fix suggestion/],
  ["s:h_env", /system information|environment|version|platform|operating system|os\b|browser/],
  ["s:h_pr", /pull request|readiness checklist|this pr|changes? proposed|summary of changes/],
];

const ISSUE_TYPE_RE = /(?:^|\n)#{1,6}\s*issue type\s*\n+\s*([^\n]{1,60})/i;

function headingsOf(body: string): string[] {
  const out: string[] = [];
  for (const m of body.matchAll(/^[ \t]{0,3}(?:#{1,6}[ \t]+([^\n]{1,100})|\*\*([^\n*]{1,100})\*\*[ \t]*:?[ \t]*$)/gm)) {
    const h = (m[1] ?? m[2] ?? "").toLowerCase().replace(/[#*_:`]/g, " ").replace(/\s+/g, " ").trim();
    if (h) out.push(h);
  }
  return out;
}

const CODE_FENCE_RE = /```[^\n]*\n?([\s\S]*?)(?:```|$)/g;
const HTML_COMMENT_RE = /<!--([\s\S]*?)(?:-->|$)/g;
const URL_RE = /\bhttps?:\/\/[^\s)\]>"']+/g;
const IMAGE_RE = /!\[[^\]\n]{0,200}\]\([^)\n]{0,500}\)|<img\b/gi;
const INLINE_CODE_RE = /`[^`\n]{1,200}`/g;
const NO_RESPONSE_RE = /^[ \t]*_no response_[ \t]*$/gim;
const CHECKBOX_RE = /^[ \t]*[-*][ \t]+\[[ xX]\]/gm;

const STACK_TRACE_RES: readonly RegExp[] = [
  /^\s*at [\w$.<>\[\] ]{1,200}\(?[^\n()]{0,300}:\d+(?::\d+)?\)?\s*$/m, // JS / Java
  /traceback \(most recent call last\)/i, // Python
  /^\s*file "[^"\n]{1,300}", line \d+/im, // Python frames
  /^\s*#\d+\s+0x[0-9a-f]+ in /im, // gdb
  /^\s*\d+\s+[\w.]+\s+0x[0-9a-f]{6,}/im, // macOS crash
  /\b(?:segmentation fault|core dumped|sigsegv|sigabrt|sigill|stack trace|stacktrace|backtrace)\b/i,
];
const ERROR_LINE_RE = /(?:^|\s)(?:[A-Z]\w*(?:Error|Exception)|error|fatal|panic|uncaught|assertion(?: failed)?)(?:\s*\[[^\]\n]{0,40}\])?:\s/m;
const VERSION_RE = /\bv?\d{1,4}\.\d{1,4}(?:\.\d{1,6})?(?:[-+.][0-9A-Za-z.-]{1,30})?\b|\bversion\s*[:=]?\s*v?\d|\b[0-9a-f]{7,40}\b(?=[\s,)])/i;
const NUMBERED_STEPS_RE = /^[ \t]*1[.)][ \t]+\S[^\n]*\n(?:[^\n]*\n){0,12}?[ \t]*2[.)][ \t]+\S/m;

/** Prose/code split of a body plus structural facts (shared with missing-info detection). */
export type ParsedBody = {
  prose: string;
  code: string;
  comments: string;
  headings: string[];
  info: StructuralInfo;
  counts: { urls: number; images: number; inlineCode: number; checkboxes: number; emptySections: number };
  issueType: string | null;
};

export function parseBody(rawBody: string): ParsedBody {
  const body = rawBody.length > MAX_BODY_CHARS ? rawBody.slice(0, MAX_BODY_CHARS) : rawBody;
  const comments: string[] = [];
  let text = body.replace(HTML_COMMENT_RE, (_m, c: string) => {
    comments.push(c);
    return " ";
  });
  const codeParts: string[] = [];
  let codeBlocks = 0;
  text = text.replace(CODE_FENCE_RE, (_m, c: string) => {
    codeBlocks++;
    codeParts.push(c);
    return "\n";
  });
  const code = codeParts.join("\n");
  const emptySections = (text.match(NO_RESPONSE_RE) ?? []).length;
  text = text.replace(NO_RESPONSE_RE, "");
  const images = (text.match(IMAGE_RE) ?? []).length;
  text = text.replace(IMAGE_RE, " ");
  const urls = (text.match(URL_RE) ?? []).length;
  text = text.replace(URL_RE, " ");
  const inlineCode = (text.match(INLINE_CODE_RE) ?? []).length;
  const checkboxes = (text.match(CHECKBOX_RE) ?? []).length;
  const headings = headingsOf(text);
  const all = text + "\n" + code;
  const stackTrace = STACK_TRACE_RES.some((re) => re.test(all));
  const errorLine = ERROR_LINE_RE.test(all);
  const version = VERSION_RE.test(text) || VERSION_RE.test(code.slice(0, 4000));
  const numberedSteps = NUMBERED_STEPS_RE.test(text);
  let stepsSection = false;
  let expectedSection = false;
  let actualSection = false;
  for (const h of headings) {
    if (HEADING_PATTERNS[0]![1].test(h)) stepsSection = true;
    if (HEADING_PATTERNS[1]![1].test(h)) expectedSection = true;
    if (HEADING_PATTERNS[2]![1].test(h)) actualSection = true;
  }
  const it = ISSUE_TYPE_RE.exec(body);
  return {
    prose: text,
    code,
    comments: comments.join("\n"),
    headings,
    info: { codeBlocks, stackTrace, errorLine, version, numberedSteps, stepsSection, expectedSection, actualSection },
    counts: { urls, images, inlineCode, checkboxes, emptySections },
    issueType: it ? it[1]!.trim().toLowerCase() : null,
  };
}

// ---------------------------------------------------------------------------------------------

function addCount(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

function addWords(map: Map<string, number>, prefix: string, tokens: string[], bigrams: boolean, decay = 0): void {
  for (let i = 0; i < tokens.length; i++) {
    const by = decay > 0 ? decay / (decay + i) : 1;
    addCount(map, prefix + tokens[i], by);
    if (bigrams && i + 1 < tokens.length) addCount(map, prefix + tokens[i] + " " + tokens[i + 1], by);
  }
}

/** Log-count scale and L2-normalize a group, multiplying by `weight`. */
function pushGroup(out: NamedFeature[], map: Map<string, number>, weight: number): void {
  if (weight === 0 || map.size === 0) return;
  let norm = 0;
  const vals: [string, number][] = [];
  for (const [k, c] of map) {
    const v = c >= 1 ? 1 + Math.log(c) : c;
    vals.push([k, v]);
    norm += v * v;
  }
  const s = weight / Math.sqrt(norm);
  for (const [k, v] of vals) out.push({ name: k, value: v * s });
}

function bucketLen(n: number, edges: readonly number[]): number {
  let i = 0;
  while (i < edges.length && n >= edges[i]!) i++;
  return i;
}

/**
 * Extract named, scaled features for an issue. Deterministic: output order depends only on input.
 */
export function extractFeatures(
  input: { title: string; body?: string | null },
  config: FeatureConfig = DEFAULT_FEATURE_CONFIG,
): NamedFeature[] {
  const title = (input.title ?? "").slice(0, MAX_TITLE_CHARS);
  const rawBody = input.body ?? "";
  const gw = config.groupWeights;
  const out: NamedFeature[] = [];

  // Title words.
  const tTokens = tokenize(title);
  const tMap = new Map<string, number>();
  addWords(tMap, "t:", tTokens, true);
  pushGroup(out, tMap, gw.title);

  // Title char n-grams.
  if (gw.titleChars > 0) {
    const cMap = new Map<string, number>();
    for (const w of title.toLowerCase().matchAll(WORD_RE)) {
      const s = `<${w[0].length > 25 ? w[0].slice(0, 25) : w[0]}>`;
      for (let n = 3; n <= 5; n++) for (let i = 0; i + n <= s.length; i++) addCount(cMap, "tc:" + s.slice(i, i + n));
    }
    pushGroup(out, cMap, gw.titleChars);
  }

  const parsed = parseBody(rawBody);

  // Body prose words.
  const bMap = new Map<string, number>();
  const bTokens = tokenize(parsed.prose);
  if (bTokens.length > config.maxBodyTokens) bTokens.length = config.maxBodyTokens;
  addWords(bMap, "b:", bTokens, config.bodyBigrams, config.bodyDecay ?? 0);
  pushGroup(out, bMap, gw.body);

  // Body char n-grams (within words) of the same prose tokens.
  if ((gw.bodyChars ?? 0) > 0) {
    const cMap = new Map<string, number>();
    for (const w of bTokens) {
      const s = `<${w}>`;
      for (let n = 3; n <= 5; n++) for (let i = 0; i + n <= s.length; i++) addCount(cMap, "bc:" + s.slice(i, i + n));
    }
    pushGroup(out, cMap, gw.bodyChars);
  }

  // Words of code blocks / logs (first 200 tokens).
  if ((gw.code ?? 0) > 0 && parsed.code) {
    const kMap = new Map<string, number>();
    const kTokens = tokenize(parsed.code.length > 4000 ? parsed.code.slice(0, 4000) : parsed.code);
    if (kTokens.length > 200) kTokens.length = 200;
    addWords(kMap, "k:", kTokens, false);
    pushGroup(out, kMap, gw.code);
  }

  // Leading words: title prefix tag / first title words and the first words of the body prose.
  if ((gw.lead ?? 0) > 0) {
    const lMap = new Map<string, number>();
    const tag = /^\s*(?:\[([^\]]{1,30})\]|([\w .-]{1,20}):\s)/.exec(title);
    if (tag) lMap.set("l:tag " + tokenize(tag[1] ?? tag[2] ?? "").join(" "), 1);
    if (tTokens[0]) lMap.set("l:t1 " + tTokens[0], 1);
    if (tTokens[1]) lMap.set("l:t2 " + tTokens[0] + " " + tTokens[1], 1);
    const first = bTokens.slice(0, config.leadTokens ?? 12);
    for (let i = 0; i < first.length; i++) {
      addCount(lMap, "l:b " + first[i]);
      if (i + 1 < first.length) addCount(lMap, "l:b " + first[i] + " " + first[i + 1]);
      if (config.leadTrigrams && i + 2 < first.length) addCount(lMap, "l:b " + first[i] + " " + first[i + 1] + " " + first[i + 2]);
    }
    if (first[0]) lMap.set("l:b1 " + first[0], 1);
    pushGroup(out, lMap, gw.lead);
  }

  // Closing words of the body prose ("any help appreciated", "thanks") and question sentences.
  if ((gw.tail ?? 0) > 0) {
    const eMap = new Map<string, number>();
    const all = tokenize(parsed.prose);
    const last = all.slice(Math.max(0, all.length - 12));
    for (let i = 0; i < last.length; i++) {
      addCount(eMap, "e:" + last[i]);
      if (i + 1 < last.length) addCount(eMap, "e:" + last[i] + " " + last[i + 1]);
    }
    const q = (parsed.prose.match(/\?(?=\s|$)/g) ?? []).length;
    eMap.set("e:?" + bucketLen(q, [1, 2, 4]), 1);
    pushGroup(out, eMap, gw.tail);
  }

  // First words of each template section (answers such as "Report a bug", "Bug", "Yes").
  if ((gw.sectionLead ?? 0) > 0) {
    const sMap2 = new Map<string, number>();
    let n = 0;
    for (const m of parsed.prose.matchAll(/^[ \t]{0,3}(?:#{1,6}[ \t]+[^\n]{1,100}|\*\*[^\n*]{1,100}\*\*[ \t]*:?[ \t]*)\n+([^\n]{1,120})/gm)) {
      if (n++ >= 20) break;
      const toks = tokenize(m[1]!).slice(0, 6);
      for (let i = 0; i < toks.length; i++) {
        addCount(sMap2, "sl:" + toks[i]);
        if (i + 1 < toks.length) addCount(sMap2, "sl:" + toks[i] + " " + toks[i + 1]);
      }
    }
    pushGroup(out, sMap2, gw.sectionLead);
  }

  // First words of each paragraph.
  if ((gw.paraLead ?? 0) > 0) {
    const pMap2 = new Map<string, number>();
    let n = 0;
    for (const para of parsed.prose.split(/\n[ \t]*\n/)) {
      const toks = tokenize(para.length > 200 ? para.slice(0, 200) : para).slice(0, 4);
      if (toks.length === 0) continue;
      if (n++ >= 15) break;
      for (let i = 0; i < toks.length; i++) {
        addCount(pMap2, "pl:" + toks[i]);
        if (i + 1 < toks.length) addCount(pMap2, "pl:" + toks[i] + " " + toks[i + 1]);
      }
    }
    pushGroup(out, pMap2, gw.paraLead);
  }

  // Template comments.
  if (parsed.comments) {
    const mMap = new Map<string, number>();
    addWords(mMap, "m:", tokenize(parsed.comments), false);
    pushGroup(out, mMap, gw.comment);
  }

  // Headings.
  const hMap = new Map<string, number>();
  for (const h of parsed.headings) addCount(hMap, "h:" + (h.length > 60 ? h.slice(0, 60) : h));
  pushGroup(out, hMap, gw.heading);

  // Structural signals (binary).
  const sSet = new Set<string>();
  const tl = title.toLowerCase().trim();
  if (tl.includes("?")) sSet.add("s:title_question_mark");
  const firstTitleWord = tTokens[0];
  if (firstTitleWord && QUESTION_STARTS.has(firstTitleWord)) sSet.add("s:title_question_word");
  if (/\bhow (?:to|do|can|could|should)\b/.test(tl)) sSet.add("s:title_how_to");
  if (/^\s*(?:\[[^\]]{0,30}\]\s*)?(?:add|support|allow|enable|implement|provide|make|introduce|expose|improve|feature|request|proposal)\b/.test(tl)) {
    sSet.add("s:title_request_verb");
  }
  if (/\b(?:fix|fixes|fixed|crash\w*|error|fail\w*|broken|bug|regression|exception|segfault|wrong|incorrect|leak)\b/.test(tl)) {
    sSet.add("s:title_bug_word");
  }
  const proseLower = parsed.prose.toLowerCase();
  for (const [name, re] of PHRASES) if (re.test(proseLower)) sSet.add(name);
  for (const h of parsed.headings) for (const [name, re] of HEADING_PATTERNS) if (re.test(h)) sSet.add(name);
  const info = parsed.info;
  if (info.codeBlocks > 0) sSet.add("s:code_block");
  if (info.stackTrace) sSet.add("s:stack_trace");
  if (info.errorLine) sSet.add("s:error_line");
  if (info.version) sSet.add("s:version");
  if (info.numberedSteps) sSet.add("s:numbered_steps");
  if (parsed.counts.urls > 0) sSet.add("s:url");
  if (parsed.counts.images > 0) sSet.add("s:image");
  if (parsed.counts.inlineCode > 0) sSet.add("s:inline_code");
  if (parsed.counts.checkboxes > 0) sSet.add("s:checklist");
  if (parsed.counts.emptySections > 0) sSet.add("s:empty_template_sections");
  if (parsed.comments) sSet.add("s:html_comment");
  if (parsed.issueType) {
    const t = parsed.issueType;
    sSet.add(
      /feature/.test(t) ? "s:issue_type_feature" : /bug/.test(t) ? "s:issue_type_bug" : /support|question|other|build/.test(t) ? "s:issue_type_support" : "s:issue_type_other",
    );
  }
  if (/\bfixes #\d+|\bcloses #\d+|\bthis pr\b|\bthis pull request\b/.test(proseLower)) sSet.add("s:pr_description");
  sSet.add("s:body_len_" + bucketLen(rawBody.trim().length, [1, 200, 1000, 4000]));
  sSet.add("s:title_len_" + bucketLen(tTokens.length, [3, 6, 10, 16]));
  const sMap = new Map<string, number>();
  const sList = [...sSet].sort();

  // Template signature (first words of the raw body's first non-empty line) and its conjunctions
  // with the structural signals: the same signal can mean different things under different templates.
  if ((gw.template ?? 0) > 0) {
    const firstLine = /\S[^\n]{0,200}/.exec(rawBody.length > 1000 ? rawBody.slice(0, 1000) : rawBody);
    const sig = firstLine ? tokenize(firstLine[0]).slice(0, 5).join(" ") : "<empty>";
    const gMap = new Map<string, number>();
    gMap.set("g:" + sig, 1);
    for (const x of sList) gMap.set("g:" + sig + "&" + x.slice(2), 1);
    pushGroup(out, gMap, gw.template);
  }
  for (const s of sList) sMap.set(s, 1);
  pushGroup(out, sMap, gw.struct);

  // Pairs of structural signals (a linear model cannot express "X together with Y").
  if ((gw.structPairs ?? 0) > 0) {
    const pMap = new Map<string, number>();
    for (let i = 0; i < sList.length; i++) for (let j = i + 1; j < sList.length; j++) pMap.set("sp:" + sList[i]!.slice(2) + "&" + sList[j]!.slice(2), 1);
    pushGroup(out, pMap, gw.structPairs);
  }

  return out;
}

// ---------------------------------------------------------------------------------------------
// Hashing.

/** 32-bit FNV-1a over UTF-16 code units. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export type SparseVector = { idx: Int32Array; val: Float64Array };

/** Hash named features into buckets (summing collisions); indices sorted ascending. */
export function hashFeatures(features: readonly NamedFeature[], hashBits: number): SparseVector {
  const mask = (1 << hashBits) - 1;
  const acc = new Map<number, number>();
  for (const f of features) {
    const b = fnv1a(f.name) & mask;
    acc.set(b, (acc.get(b) ?? 0) + f.value);
  }
  const keys = [...acc.keys()].sort((a, b) => a - b);
  const idx = new Int32Array(keys.length);
  const val = new Float64Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    idx[i] = keys[i]!;
    val[i] = acc.get(keys[i]!)!;
  }
  return { idx, val };
}

export function bucketOf(name: string, hashBits: number): number {
  return fnv1a(name) & ((1 << hashBits) - 1);
}
