/**
 * SIPp scenarios for the end-to-end tests, generated so the caller's digest dance and the
 * callee's answers are written once. Phones: caller `100` (A), callee `200` (B), both
 * registered with Linekey, which proxies between them.
 */

const SDP = (dir: string): string => `v=0
o=- 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [local_ip]
t=0 0
m=audio 40000 RTP/AVP 0
a=rtpmap:0 PCMU/8000
a=${dir}`;

function xml(name: string, body: string, refs = "dummy"): string {
  const reference = refs === "" ? "" : `  <Reference variables="${refs}"/>\n`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="${name}">
${body}
${reference}</scenario>
`;
}

function send(msg: string, retrans = false): string {
  return `  <send${retrans ? ' retrans="500"' : ""}><![CDATA[
${msg.trim()}

]]></send>
`;
}

/** REGISTER, 401, REGISTER with credentials (-au/-ap), 200. User from `-s`. */
export function registerScenario(): string {
  const reg = (cseq: number, auth: string): string => `REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[service]@[remote_ip]>;tag=r[pid]
To: <sip:[service]@[remote_ip]>
Call-ID: [call_id]
CSeq: ${cseq} REGISTER
Contact: <sip:[service]@[local_ip]:[local_port]>
${auth}Max-Forwards: 70
Expires: 3600
Content-Length: 0`;
  return xml(
    "register",
    `${send(reg(1, ""), true)}  <recv response="401" auth="true">
    <action><ereg regexp="algorithm=MD5" search_in="hdr" header="WWW-Authenticate:" check_it="true" assign_to="dummy"/></action>
  </recv>
${send(reg(2, "[authentication]\n"), true)}  <recv response="200"/>
`,
  );
}

const INVITE_HEAD = (cseq: number, auth: string): string => `INVITE sip:200@[remote_ip] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:100@[remote_ip]>;tag=a[pid]
To: <sip:200@[remote_ip]>
Call-ID: [call_id]
CSeq: ${cseq} INVITE
Contact: <sip:100@[local_ip]:[local_port]>
${auth}Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

${SDP("sendrecv")}`;

const ACK_SAME_BRANCH = (offset: number, cseq: number): string => `ACK sip:200@[remote_ip] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-${offset}]
From: <sip:100@[remote_ip]>;tag=a[pid]
To: <sip:200@[remote_ip]>[peer_tag_param]
Call-ID: [call_id]
CSeq: ${cseq} ACK
Max-Forwards: 70
Content-Length: 0`;

const IN_DIALOG = (
  method: string,
  cseq: number,
  extra = "",
  body = "",
): string => `${method} [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:100@[remote_ip]>;tag=a[pid]
To: <sip:200@[remote_ip]>[peer_tag_param]
Call-ID: [call_id]
CSeq: ${cseq} ${method}
[routes]
Contact: <sip:100@[local_ip]:[local_port]>
Max-Forwards: 70
${extra}Content-Length: ${body === "" ? "0" : "[len]"}
${body === "" ? "" : `\n${body}`}`;

// Messages 0-5: INVITE, 100?, 407, ACK (same branch as message 0), INVITE with credentials, 100?.
function authenticatedInvite(): string {
  return `${send(INVITE_HEAD(1, ""), true)}  <recv response="100" optional="true"/>
  <recv response="407" auth="true"/>
${send(ACK_SAME_BRANCH(3, 1))}${send(INVITE_HEAD(2, "[authentication]\n"), true)}  <recv response="100" optional="true"/>
`;
}

/** Caller A: call with a hold re-INVITE, then BYE. */
export function callerScenario(): string {
  return xml(
    "caller",
    `${authenticatedInvite()}  <recv response="180"/>
  <recv response="200" rrs="true"/>
${send(IN_DIALOG("ACK", 2))}  <pause milliseconds="100"/>
${send(IN_DIALOG("INVITE", 3, "Content-Type: application/sdp\n", SDP("sendonly")), true)}  <recv response="100" optional="true"/>
  <recv response="200">
    <action><ereg regexp="a=recvonly" search_in="body" check_it="true" assign_to="dummy"/></action>
  </recv>
${send(IN_DIALOG("ACK", 3))}  <pause milliseconds="100"/>
${send(IN_DIALOG("BYE", 4), true)}  <recv response="200"/>
`,
  );
}

/** Caller A: INVITE, 180, CANCEL, 200 (CANCEL), 487, ACK. */
export function cancellingCallerScenario(): string {
  // Message 4 is the authenticated INVITE: the CANCEL (message 7) and the ACK of the 487
  // (message 10) carry its branch.
  const cancel = `CANCEL sip:200@[remote_ip] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-3]
From: <sip:100@[remote_ip]>;tag=a[pid]
To: <sip:200@[remote_ip]>
Call-ID: [call_id]
CSeq: 2 CANCEL
Max-Forwards: 70
Content-Length: 0`;
  return xml(
    "caller-cancel",
    `${authenticatedInvite()}  <recv response="180"/>
${send(cancel, true)}  <recv response="200"/>
  <recv response="487"/>
${send(ACK_SAME_BRANCH(6, 2))}`,
    "",
  );
}

/** Caller A: INVITE answered 486, ACK. */
export function busyCallerScenario(): string {
  return xml(
    "caller-busy",
    `${authenticatedInvite()}  <recv response="486"/>\n${send(ACK_SAME_BRANCH(3, 2))}`,
    "",
  );
}

const VIA_SAVE = `<ereg regexp="Via: ([^[:cntrl:]]*)[[:space:]]+Via: ([^[:cntrl:]]*)" search_in="msg" check_it="true" assign_to="dummy,v1,v2"/>`;

// A tagged answer is to the initial INVITE: it copies the Record-Route; in-dialog answers have none.
const ANSWER = (status: string, tagged: boolean, extra = "", body = ""): string => `SIP/2.0 ${status}
[last_Via:]
[last_From:]
[last_To:]${tagged ? ";tag=b[pid]\n[last_Record-Route:]" : ""}
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:200@[local_ip]:[local_port]>
${extra}Content-Length: ${body === "" ? "0" : "[len]"}
${body === "" ? "" : `\n${body}`}`;

/** Callee B: rings, answers, accepts a hold re-INVITE (recvonly), then the BYE. */
export function calleeScenario(): string {
  return xml(
    "callee",
    `  <recv request="INVITE">
    <action>${VIA_SAVE}</action>
  </recv>
${send(ANSWER("180 Ringing", true))}${send(ANSWER("200 OK", true, "Content-Type: application/sdp\n", SDP("sendrecv")))}  <recv request="ACK"/>
  <recv request="INVITE">
    <action><ereg regexp="a=sendonly" search_in="body" check_it="true" assign_to="dummy"/></action>
  </recv>
${send(ANSWER("200 OK", false, "Content-Type: application/sdp\n", SDP("recvonly")))}  <recv request="ACK"/>
  <recv request="BYE"/>
${send(ANSWER("200 OK", false))}`,
    "dummy,v1,v2",
  );
}

/** Callee B: rings; on CANCEL answers 200 and the INVITE 487; gets the ACK. */
export function cancelledCalleeScenario(): string {
  const terminated = `SIP/2.0 487 Request Terminated
Via: [$v1]
Via: [$v2]
[last_From:]
[last_To:];tag=b[pid]
[last_Call-ID:]
CSeq: [$cseq] INVITE
Content-Length: 0`;
  return xml(
    "callee-cancel",
    `  <recv request="INVITE">
    <action>${VIA_SAVE}<ereg regexp="([0-9]+) INVITE" search_in="hdr" header="CSeq:" check_it="true" assign_to="dummy,cseq"/></action>
  </recv>
${send(ANSWER("180 Ringing", true))}  <recv request="CANCEL"/>
${send(ANSWER("200 OK", false))}${send(terminated)}  <recv request="ACK"/>
`,
    "dummy,v1,v2,cseq",
  );
}

/** Callee B: 486 Busy Here, then the ACK. */
export function busyCalleeScenario(): string {
  return xml(
    "callee-busy",
    `  <recv request="INVITE"/>\n${send(ANSWER("486 Busy Here", true))}  <recv request="ACK"/>\n`,
    "",
  );
}
