import type { SipSettings } from "../../../src/config/linekey-conf.ts";

/** SIP settings of an in-process SipServer on loopback, free ports, no authentication. */
export const TEST_SIP_SETTINGS: SipSettings = {
  bindaddr: "127.0.0.1",
  udpPort: 0,
  tcpPort: 0,
  domains: ["pbx.test"],
  t1: 500,
  t2: 4000,
  t4: 5000,
  auth: false,
  authAlgorithms: ["MD5"],
  realm: "pbx.test",
  minExpires: 60,
  maxExpires: 3600,
  defaultExpires: 3600,
  userAgent: "Linekey-test",
};
