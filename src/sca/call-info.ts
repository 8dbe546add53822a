/**
 * The Call-Info header of BroadWorks SCA: the strict positional grammar Kamailio accepts in
 * requests and replies (reference §5.2) and the values it builds for NOTIFYs (§4.2, §4.3).
 */
import { appearanceStateFromName, appearanceStateName, type AppearanceState } from "./appearance-state.ts";

/**
 * What a Call-Info header says. `index` 0 means "any" (absent, or `appearance-index=0`, which a
 * line-seize reads as "next free index"); `state` undefined means none was given.
 */
export interface CallInfo {
  /** `<sip:…>` as written. */
  readonly scaUri: string;
  readonly index: number;
  readonly state: AppearanceState | undefined;
  /** Everything after `appearance-uri=`, quotes included; undefined when absent. */
  readonly uri: string | undefined;
}

const INDEX = "appearance-index";
const STATE = "appearance-state";
const URI = "appearance-uri";

/**
 * Kamailio's `str2int`: digits only, the empty string is 0, overflow wraps at 32 bits; the
 * result is then read as a signed int. Undefined when a character is not a digit.
 */
function digits(s: string): number | undefined {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    n = (n * 10 + c) >>> 0;
  }
  return n | 0;
}

/** The text from `p` up to the next `;` (or the end), and where that `;` is (-1 when none). */
function field(value: string, p: number): { text: string; semi: number } {
  const semi = value.indexOf(";", p);
  return { text: semi < 0 ? value.slice(p) : value.slice(p, semi), semi };
}

/**
 * Parses one Call-Info header value (the whole first header line, as Kamailio reads it):
 * `<sip:…>;appearance-index=N[;appearance-state=NAME[;appearance-uri=REST]]`, nothing else —
 * no spaces, no other order, no other parameter, no `*`, no `sips:`. Returns undefined when the
 * value does not parse (reference §5.2).
 */
export function parseCallInfo(value: string): CallInfo | undefined {
  if (!value.startsWith("<sip:")) return undefined;
  const uriEnd = value.indexOf(";", 5);
  if (uriEnd < 0 || value[uriEnd - 1] !== ">") return undefined;
  const scaUri = value.slice(0, uriEnd);
  let p = uriEnd + 1;
  if (!value.startsWith(INDEX, p) || value[p + INDEX.length] !== "=") return undefined;
  p += INDEX.length + 1;
  const idx = field(value, p);
  const index = digits(idx.text);
  if (index === undefined) return undefined;
  if (idx.semi < 0) return { scaUri, index, state: undefined, uri: undefined };
  p = idx.semi + 1;
  if (!value.startsWith(STATE, p) || value[p + STATE.length] !== "=") return undefined;
  p += STATE.length + 1;
  const st = field(value, p);
  const state = appearanceStateFromName(st.text);
  if (state === undefined) return undefined;
  if (st.semi < 0) return { scaUri, index, state, uri: undefined };
  p = st.semi + 1;
  if (!value.startsWith(URI, p) || value[p + URI.length] !== "=") return undefined;
  const uri = value.slice(p + URI.length + 1);
  if (uri === "") return undefined;
  return { scaUri, index, state, uri };
}

/**
 * The `DOMAIN` of `<sip:DOMAIN>` in NOTIFYs: everything after the first `@` of the AoR (port
 * included), or after the first `:` for an AoR without user part; undefined when neither exists.
 */
export function callInfoDomain(aor: string): string | undefined {
  const at = aor.indexOf("@");
  if (at >= 0) return aor.slice(at + 1);
  const colon = aor.indexOf(":");
  return colon >= 0 ? aor.slice(colon + 1) : undefined;
}

/** One appearance as a call-info NOTIFY lists it. */
export interface ListedAppearance {
  readonly index: number;
  readonly state: AppearanceState;
  /** `"<uri>"` / `display <uri>` without the quotes; "" when there is none. */
  readonly uri: string;
}

/**
 * The Call-Info value of a call-info NOTIFY (reference §4.2): one element per appearance in
 * index order, then always `<sip:DOMAIN>;appearance-index=*;appearance-state=idle`, comma
 * separated without spaces. With `idleTail` false (a line-seize subscription asking for the
 * whole list) the `*` element is left out, as Kamailio does.
 */
export function buildCallInfoList(
  aor: string,
  appearances: readonly ListedAppearance[],
  idleTail = true,
): string | undefined {
  const domain = callInfoDomain(aor);
  if (domain === undefined) return undefined;
  const parts = appearances.map((a) => {
    const base = `<sip:${domain}>;${INDEX}=${a.index};${STATE}=${appearanceStateName(a.state)}`;
    return a.uri === "" ? base : `${base};${URI}="${a.uri}"`;
  });
  if (idleTail) parts.push(`<sip:${domain}>;${INDEX}=*;${STATE}=idle`);
  return parts.join(",");
}

/** The Call-Info value of a line-seize NOTIFY: `<sip:DOMAIN>;appearance-index=N` (§4.3). */
export function buildLineSeizeCallInfo(aor: string, index: number): string | undefined {
  const domain = callInfoDomain(aor);
  return domain === undefined ? undefined : `<sip:${domain}>;${INDEX}=${index}`;
}

/**
 * An `appearance-uri` value: `<uri>`, or `display <uri>` with `'`, `"`, `\` and NUL of the
 * display backslash-escaped (Kamailio's `escape_common`).
 */
export function formatAppearanceUri(display: string | undefined, uri: string): string {
  if (display === undefined || display === "") return `<${uri}>`;
  const escaped = display.replace(/['"\\\0]/g, (c) => `\\${c === "\0" ? "0" : c}`);
  return `${escaped} <${uri}>`;
}
