/**
 * name-addr / addr-spec values with header parameters (RFC 3261 §20.10, §25.1): From, To,
 * Contact, Route, Record-Route, Refer-To, P-Asserted-Identity and the like.
 */
import { SipParseError } from "./parse-error.ts";
import { isToken, isWs, isWsCode, quote, readQuoted, skipWs, trimLws } from "./lexer.ts";
import { Params, parseHeaderParams, unquoteParam } from "./params.ts";
import { isValidUri, parseUri, type Uri } from "./uri.ts";

/** A parsed name-addr or addr-spec with its header parameters. */
export class NameAddress {
  /** Display name with quoting removed, undefined when there is none. */
  displayName: string | undefined;
  /** The display name as written (quotes included), used to re-serialise it unchanged. */
  rawDisplayName: string | undefined;
  /** The URI text as written between `<` and `>` (or the bare addr-spec). */
  uri: string;
  readonly params: Params;
  /** Whether the URI was enclosed in `<>`; serialisation keeps them (and adds them when needed). */
  bracketed: boolean;

  constructor(init: {
    uri: string | Uri;
    displayName?: string | undefined;
    rawDisplayName?: string | undefined;
    params?: Params;
    bracketed?: boolean;
  }) {
    this.uri = typeof init.uri === "string" ? init.uri : init.uri.toString();
    this.displayName = init.displayName;
    this.rawDisplayName = init.rawDisplayName;
    this.params = init.params ?? new Params();
    this.bracketed = init.bracketed ?? true;
  }

  /** The URI, parsed (throws SipParseError if it was replaced by something malformed). */
  get parsedUri(): Uri {
    return parseUri(this.uri);
  }

  /** The `tag` parameter (From/To). */
  get tag(): string | undefined {
    const t = this.params.get("tag");
    return t ?? undefined;
  }

  set tag(value: string | undefined) {
    if (value === undefined) this.params.delete("tag");
    else this.params.set("tag", value);
  }

  /** A parameter value with quotes removed; undefined when absent, "" when it has no value. */
  param(name: string): string | undefined {
    const v = this.params.get(name);
    if (v === undefined) return undefined;
    return v === null ? "" : unquoteParam(v);
  }

  clone(): NameAddress {
    return new NameAddress({
      uri: this.uri,
      displayName: this.displayName,
      rawDisplayName: this.rawDisplayName,
      params: this.params.clone(),
      bracketed: this.bracketed,
    });
  }

  toString(): string {
    let display = this.rawDisplayName;
    if (display === undefined && this.displayName !== undefined) {
      display = isToken(this.displayName) ? this.displayName : quote(this.displayName);
    }
    // RFC 3261 §20: a URI containing a comma, question mark or semicolon must be in <>.
    const needBrackets = this.bracketed || display !== undefined || /[,;?]/.test(this.uri);
    const addr = needBrackets ? `<${this.uri}>` : this.uri;
    return `${display === undefined ? "" : `${display} `}${addr}${this.params.toString()}`;
  }
}

function indexOfUnquoted(s: string, ch: string): number {
  const code = ch.charCodeAt(0);
  // Nothing quoted before the first occurrence: the common case needs no scan of our own.
  const plain = s.indexOf(ch);
  if (plain < 0) return -1;
  const firstQuote = s.indexOf('"');
  if (firstQuote < 0 || firstQuote > plain) return plain;
  let inQuote = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inQuote) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inQuote = false;
    } else if (c === 0x22) inQuote = true;
    else if (c === code) return i;
  }
  return -1;
}

function malformed(what: string): SipParseError {
  return new SipParseError(`Malformed ${what} header`);
}

/**
 * Parses one name-addr or addr-spec followed by header parameters. `what` names the header for
 * error reasons ("From", "Contact", …).
 */
export function parseNameAddr(value: string, what = "address"): NameAddress {
  const s = trimLws(value);
  let i = 0;
  let displayName: string | undefined;
  let rawDisplayName: string | undefined;
  if (s.startsWith('"')) {
    const q = readQuoted(s, 0);
    if (!q) throw new SipParseError(`Unterminated quoted string in ${what} header`);
    displayName = q.value;
    rawDisplayName = s.slice(0, q.end);
    i = skipWs(s, q.end);
    if (s[i] !== "<") throw malformed(what);
  } else {
    const lt = indexOfUnquoted(s, "<");
    if (lt >= 0) {
      // display-name = *(token LWS): tokens only. RFC 4475 §3.1.1.6 accepts no LWS before "<".
      const name = trimLws(s.slice(0, lt));
      if (name !== "") {
        if (!name.split(/[ \t]+/).every(isToken)) throw malformed(what);
        displayName = name;
        rawDisplayName = name;
      }
      i = lt;
    }
  }
  let uri: string;
  let bracketed: boolean;
  if (s[i] === "<") {
    const gt = s.indexOf(">", i);
    if (gt < 0) throw malformed(what);
    uri = s.slice(i + 1, gt);
    // RFC 4475 §3.1.2.14: no white space inside the angle brackets.
    if (uri === "" || isWs(uri[0]) || isWs(uri[uri.length - 1])) throw malformed(what);
    bracketed = true;
    i = gt + 1;
  } else {
    // addr-spec: the URI ends at the first ";" (what follows are header parameters) and may not
    // contain "?" or "," (RFC 3261 §20; RFC 4475 §3.1.2.13).
    let end = i;
    while (end < s.length) {
      const c = s.charCodeAt(end);
      if (c === 0x3b || isWsCode(c)) break;
      end++;
    }
    uri = s.slice(i, end);
    if (/[?,]/.test(uri)) throw malformed(what);
    bracketed = false;
    i = end;
  }
  // Checked only: the NameAddress keeps the text, and most are never asked for the parsed URI.
  if (!isValidUri(uri)) throw malformed(what);
  let params: Params;
  try {
    params = parseHeaderParams(s, i, what);
  } catch (err) {
    throw err instanceof SipParseError ? err : malformed(what);
  }
  return new NameAddress({ uri, displayName, rawDisplayName, params, bracketed });
}
