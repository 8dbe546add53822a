/**
 * Call hold detection from an SDP body, as Kamailio's SDP parser flags a stream "on hold"
 * (reference §6.2): a media stream with `a=sendonly` or `a=inactive`, or whose connection
 * address (its own `c=`, else the session's) is `0.0.0.0` — except the ICE-trickle form
 * (`0.0.0.0` with port 9). A session-level `a=sendonly` alone is not a hold.
 */
import type { SipMessage } from "../sip/message/message.ts";

interface Stream {
  port: string;
  conn: string | undefined;
  held: boolean;
}

/** True when some media stream of the SDP text is on hold. */
export function sdpIsOnHold(sdp: string): boolean {
  let sessionConn: string | undefined;
  const streams: Stream[] = [];
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trim();
    const cur = streams[streams.length - 1];
    if (line.startsWith("m=")) {
      const fields = line.slice(2).split(/\s+/);
      streams.push({ port: (fields[1] ?? "").split("/")[0] ?? "", conn: undefined, held: false });
    } else if (line.startsWith("c=")) {
      const addr = line.slice(2).split(/\s+/)[2] ?? "";
      const ip = addr.split("/")[0] ?? "";
      if (cur === undefined) sessionConn = ip;
      else cur.conn = ip;
    } else if (cur !== undefined && (line === "a=sendonly" || line === "a=inactive")) {
      cur.held = true;
    }
  }
  return streams.some((s) => {
    if (s.held) return true;
    const conn = s.conn ?? sessionConn;
    return conn === "0.0.0.0" && s.port !== "9";
  });
}

/**
 * True when the message carries an SDP body (application/sdp, or an application/sdp part of a
 * multipart body) that is on hold.
 */
export function messageIsOnHold(msg: SipMessage): boolean {
  if (msg.body.length === 0) return false;
  const type = (msg.header("Content-Type") ?? "").toLowerCase();
  const text = msg.bodyText;
  if (type.startsWith("application/sdp")) return sdpIsOnHold(text);
  if (type.startsWith("multipart/")) {
    const m = /boundary="?([^";]+)"?/i.exec(msg.header("Content-Type") ?? "");
    if (m?.[1] === undefined) return false;
    for (const part of text.split(`--${m[1]}`)) {
      const sep = part.search(/\r?\n\r?\n/);
      if (sep < 0) continue;
      if (/content-type:\s*application\/sdp/i.test(part.slice(0, sep))) {
        if (sdpIsOnHold(part.slice(sep).trim())) return true;
      }
    }
  }
  return false;
}
