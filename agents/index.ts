import type { Route } from "../src/index.ts";
import { triage } from "./triage/index.ts";

/** Every agent this Worker runs. Adding one: a folder under agents/, a line here, a route below. */
export const agents = [triage];

/** Which agent handles which events: the first rule that matches wins. */
export const routes: Route[] = [{ agent: triage }];
