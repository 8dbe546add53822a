/**
 * The configuration used when `linekey` runs without `--config`: the seed's example sccp.conf on
 * loopback, grown to a small office (several models, a two-line phone, a shared line, speed dials
 * with busy lamps, a pickup group) plus a dialplan that reaches every line.
 */

/** Embedded sccp.conf (seed layout: [general], [lines] + one section per line, [devices] + …). */
export const DEFAULT_SCCP_CONF = `; Linekey embedded sccp.conf: the seed's example, bound to loopback.
[general]
bindaddr=127.0.0.1
dateformat=D.M.Y

keepalive=10
authtimeout=10
dialtimeout=3
context=default

[lines]

[100]
cid_num=100
cid_name=Bob
callgroup=1
pickupgroup=1

[101]
cid_num=101
cid_name=Alice
callgroup=1
pickupgroup=1

[102]
cid_num=102
cid_name=Carol
callgroup=1
pickupgroup=1
forward_noanswer=200
forward_noanswer_timeout=15

[103]
cid_num=103
cid_name=Dave
forward_busy=200

[200]
cid_num=200
cid_name=Reception

[201]
cid_num=201
cid_name=Sales
label=Sales

[devices]

; The seed's device: one line, the Messages key dials 200.
[SEP00164766A428]
device=SEP00164766A428
line=100
voicemail=200

; A 7940 with two lines: 200 is instance 1, 201 instance 2.
[SEPACA016FDF235]
device=SEPACA016FDF235
model=7940
line=200
line=201
voicemail=200

; A 7960: Alice, plus line 201 shared with the 7940, and two busy-lamp speed dials.
[SEP001AA289343B]
device=SEP001AA289343B
model=7960
line=101
line=201
speeddial=sd-bob
speeddial=sd-reception
voicemail=200

; A 7912: one line, menu speed dials only.
[SEP001AA27ABBFC]
device=SEP001AA27ABBFC
model=7912
line=102
speeddial=100,Bob
speeddial=200,Reception
voicemail=200

; A 7941GE that shows local time with a 12-hour clock.
[SEP00175A4AA36D]
device=SEP00175A4AA36D
model=7941GE
line=103
dateformat=M/D/YA
speeddial=101,Alice,blf
voicemail=200

[speeddials]

[sd-bob]
extension=100
label=Bob
blf=yes

[sd-reception]
extension=200
label=Reception
blf=yes
`;

/** Embedded extensions.conf: every line by number, the seed's paging and xivo-callme examples. */
export const DEFAULT_EXTENSIONS_CONF = `; Linekey embedded extensions.conf.
[general]
static=yes
writeprotect=no

[default]
; Lines 100-199 and 200-299 ring the SCCP line of the same name.
exten => _1XX,1,Dial(SCCP/\${EXTEN},30)
 same => n,Hangup()
exten => _2XX,1,Dial(SCCP/\${EXTEN},30)
 same => n,Hangup()
; 300-399 are SIP users (linekey.conf): a Cisco phone dialling one reaches the SIP phone.
exten => _3XX,1,Dial(SIP/\${EXTEN},30)
 same => n,Hangup()

; The seed's paging examples: one-way (half-duplex) ...
exten => 1000,1,Verbose(2, Paging to external cisco phone)
 same => n,Page(sccp/100/autoanswer&sccp/101/autoanswer,i,120)
; ... and two-way (full-duplex).
exten => 1001,1,Verbose(2, Paging to external cisco phone)
 same => n,Page(sccp/100/autoanswer&sccp/101/autoanswer,di,120)

; 999 plays hello-world in a loop (the seed's xivo-callme context).
exten => 999,1,Goto(xivo-callme,999,1)

[xivo-callme]
exten => _X.,1,Gosub(xivo-pickup,0,1)
 same => n,While(1)
 same => n,Playback(hello-world)
 same => n,Wait(2)
 same => n,EndWhile()

[xivo-pickup]
exten => 0,1,Answer()
 same => n,Return()
`;

/**
 * Embedded linekey.conf: SIP on loopback with digest authentication, two SIP users for trying
 * things out locally (the secrets are examples: loopback only), the SCA module's defaults.
 */
export const DEFAULT_LINEKEY_CONF = `; Linekey embedded linekey.conf.
[general]
; db_url = sqlite:///var/lib/linekey/linekey.db  ; default: linekey.db in the data folder
rtp_start = 16384
rtp_end = 32766
; JSON-RPC over HTTP (sca.* commands): off unless rpc_port is set; keep it on loopback.
rpc_bindaddr = 127.0.0.1
rpc_port = 0

[sip]
bindaddr = 127.0.0.1
udp_port = 5060
tcp_port = 5060
auth = yes
auth_algorithms = md5, sha-256
realm = linekey
min_expires = 60
max_expires = 3600
default_expires = 3600
user_agent = Linekey

[sca]
hash_table_size = 9
call_info_max_expires = 3600
line_seize_max_expires = 15
purge_expired_interval = 120
subs_table = sca_subscriptions
db_update_interval = 300

[300]
type = user
secret = linekey300
callerid = "Eve" <300>

[301]
type = user
secret = linekey301
callerid = "Frank" <301>
`;
