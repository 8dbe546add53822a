import { test, mock } from "node:test";
import assert from "node:assert/strict";
import { parseDialplanText } from "../../src/core/dialplan/parser.ts";
import { DialplanInterpreter } from "../../src/core/dialplan/interpreter.ts";
import type { DialplanChannel, InterpreterOptions } from "../../src/core/dialplan/interpreter.ts";
import { builtinApplications } from "../../src/core/dialplan/app-registry.ts";
import { pbxState } from "../../src/core/dialplan/pbx-state.ts";
import { memoryLogger } from "../../src/util/logger.ts";

function channel(context: string, exten = "s"): DialplanChannel {
  return {
    name: "Test/101-1",
    context,
    exten,
    priority: 1,
    vars: new Map(),
    callerIdNum: "101",
    callerIdName: "Alice",
    hungUp: false,
  };
}

function interpreter(conf: string, opts: Omit<InterpreterOptions, "dialplan"> = {}): DialplanInterpreter {
  return new DialplanInterpreter({ dialplan: parseDialplanText(conf, "extensions.conf"), ...opts });
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test("While runs its body while the condition holds, then continues after EndWhile", async () => {
  const pbx = interpreter(`
[c]
exten => s,1,Set(I=0)
same => n,While($[\${I} < 3])
same => n,Set(I=$[\${I} + 1])
same => n,Set(TRACE=\${TRACE}-\${I})
same => n,EndWhile()
same => n,Set(AFTER=\${I})
`);
  const ch = channel("c");
  const out = await pbx.run(ch);
  assert.equal(ch.vars.get("TRACE"), "-1-2-3");
  assert.equal(ch.vars.get("AFTER"), "3");
  assert.equal(out.reason, "fell-through");
  assert.equal(out.priority, 7);
  assert.equal(ch.hungUp, true);
  assert.deepEqual(pbxState(ch).whiles, []);
});

test("While(1) left with GotoIf + ExitWhile; ContinueWhile skips the rest of the body", async () => {
  const pbx = interpreter(`
[c]
exten => s,1,Set(I=0)
same => n,While(1)
same => n,Set(I=$[\${I} + 1])
same => n,GotoIf($[\${I} >= 4]?stop)
same => n,ContinueWhile()
same => n,Set(NEVER=1)
same => n(stop),ExitWhile()
same => n,EndWhile()
same => n,Set(DONE=\${I})
same => n,Hangup(USER_BUSY)
`);
  const ch = channel("c");
  const out = await pbx.run(ch);
  assert.equal(ch.vars.get("DONE"), "4");
  assert.equal(ch.vars.has("NEVER"), false);
  assert.equal(out.reason, "hangup");
  assert.equal(out.hangupCause, 17);
});

test("nested While loops count outer x inner iterations", async () => {
  const pbx = interpreter(`
[c]
exten => s,1,Set(N=0)
same => n,Set(I=0)
same => n,While($[\${I} < 2])
same => n,Set(I=$[\${I} + 1])
same => n,Set(J=0)
same => n,While($[\${J} < 3])
same => n,Set(J=$[\${J} + 1])
same => n,Set(N=$[\${N} + 1])
same => n,EndWhile()
same => n,EndWhile()
same => n,Hangup()
`);
  const ch = channel("c");
  await pbx.run(ch);
  assert.equal(ch.vars.get("N"), "6");
});

test("Gosub passes ARGn/ARGC, Return restores them and sets GOSUB_RETVAL", async () => {
  const pbx = interpreter(`
[main]
exten => s,1,Set(ARG1=outer)
same => n,Gosub(sub,add,1(2,3))
same => n,Set(R1=\${GOSUB_RETVAL})
same => n,Set(A1=\${ARG1})
same => n,Set(TMP1=\${TMP})
same => n,Gosub(sub,twice,start(21))
same => n,Set(R2=\${GOSUB_RETVAL})
same => n,Gosub(local-sub,1)
same => n,Set(R3=\${GOSUB_RETVAL})
same => n,Hangup()
exten => local-sub,1,Return(local)

[sub]
exten => add,1,Set(LOCAL(TMP)=$[\${ARG1} + \${ARG2}])
same => n,Return(\${TMP}:\${ARGC})
exten => twice,1,NoOp(not run)
same => n(start),Gosub(add,1(\${ARG1},\${ARG1}))
same => n,Return(\${GOSUB_RETVAL}|\${ARG2}|\${ARGC})
`);
  const ch = channel("main");
  const out = await pbx.run(ch);
  assert.equal(out.reason, "hangup");
  assert.equal(ch.vars.get("R1"), "5:2");
  assert.equal(ch.vars.get("A1"), "outer"); // the caller's ARG1 is back
  assert.equal(ch.vars.get("TMP1"), ""); // LOCAL() went away with the frame
  assert.equal(ch.vars.get("R2"), "42:2||1"); // ARG2 of the outer call is blanked inside
  assert.equal(ch.vars.get("R3"), "local");
  assert.deepEqual(pbxState(ch).gosub, []);
});

test("Gosub to a missing destination and Return without Gosub hang up", async () => {
  const pbx = interpreter(`
[a]
exten => s,1,Gosub(nowhere,s,1)
same => n,Set(REACHED=1)
[b]
exten => s,1,Return()
same => n,Set(REACHED=1)
`);
  const a = channel("a");
  assert.equal((await pbx.run(a)).reason, "hangup");
  assert.equal(a.vars.has("REACHED"), false);
  const b = channel("b");
  assert.equal((await pbx.run(b)).reason, "hangup");
  assert.equal(b.vars.has("REACHED"), false);
});

test("the h extension runs on hangup, with EXTEN=h, in the channel's context", async () => {
  const pbx = interpreter(`
[c]
exten => s,1,Set(X=1)
same => n,Hangup()
same => n,Set(NOT_REACHED=1)
exten => h,1,Set(H_RAN=\${EXTEN}:\${X})
same => n,Set(H2=yes)
`);
  const ch = channel("c");
  const out = await pbx.run(ch);
  assert.equal(out.ranH, true);
  assert.equal(out.exten, "s");
  assert.equal(out.priority, 2);
  assert.equal(ch.vars.get("H_RAN"), "h:1");
  assert.equal(ch.vars.get("H2"), "yes");
  assert.equal(ch.vars.has("NOT_REACHED"), false);
  assert.equal(ch.hungUp, true);
  assert.equal(out.hangupCause, 16);
});

test("an unknown extension goes to i with INVALID_EXTEN, or ends without i", async () => {
  const pbx = interpreter(`
[with-i]
exten => 100,1,Goto(999,1)
exten => i,1,Set(INV=\${INVALID_EXTEN})
same => n,Hangup(UNALLOCATED)
[without-i]
exten => 100,1,NoOp
`);
  const dialled = channel("with-i", "555");
  const out = await pbx.run(dialled);
  assert.equal(dialled.vars.get("INV"), "555");
  assert.equal(out.hangupCause, 1);
  const jumped = channel("with-i", "100");
  await pbx.run(jumped);
  assert.equal(jumped.vars.get("INV"), "999");
  const nothing = channel("without-i", "555");
  const end = await pbx.run(nothing);
  assert.equal(end.reason, "invalid-extension");
  assert.equal(end.ranH, false);
  const noContext = channel("missing", "100");
  assert.equal((await pbx.run(noContext)).reason, "invalid-extension");
});

test("Goto forms: label, exten+priority, context+exten+label, relative", async () => {
  const pbx = interpreter(`
[a]
exten => s,1,Goto(next)
same => n,Set(SKIPPED=1)
same => n(next),Goto(+2)
same => n,Set(SKIPPED=1)
same => n,Goto(200,1)
exten => 200,1,Set(T=\${T}200)
same => n,Goto(b,300,there)
[b]
exten => 300,1,Set(SKIPPED=1)
same => n(there),Set(T=\${T}-b)
same => n,GotoIf($[1=0]?a,s,1:end)
same => n(end),GotoIf(0?bad)
same => n,Goto(nolabel)
`);
  const ch = channel("a");
  const out = await pbx.run(ch);
  assert.equal(ch.vars.get("T"), "200-b");
  assert.equal(ch.vars.has("SKIPPED"), false);
  assert.equal(out.reason, "app-error"); // Goto(nolabel): no such label
  assert.equal(out.context, "b");
  assert.equal(out.priority, 5);
});

test("Set(CALLERID(name)=...) and ${CALLERID(num)} in the dialplan", async () => {
  const pbx = interpreter(`
[c]
exten => s,1,Set(CALLERID(name)=Reception \${CALLERID(num)})
same => n,Set(N=\${CALLERID(name)})
`);
  const ch = channel("c");
  await pbx.run(ch);
  assert.equal(ch.callerIdName, "Reception 101");
  assert.equal(ch.vars.get("N"), "Reception 101");
});

test("an empty exten starts at s; globals are shared and GLOBAL() writes them", async () => {
  const pbx = interpreter(`
[globals]
G=start
[c]
exten => s,1,Set(SEEN=\${G})
same => n,Set(GLOBAL(G)=changed)
`);
  const one = channel("c", "");
  await pbx.run(one);
  assert.equal(one.vars.get("SEEN"), "start");
  const two = channel("c", "");
  await pbx.run(two);
  assert.equal(two.vars.get("SEEN"), "changed");
  assert.equal(pbx.globals.get("G"), "changed");
  assert.equal(pbx.dialplan.globals.get("G"), "start"); // the loaded dialplan is untouched
});

test("applications: case-insensitive names, unknown ones and throwing ones end the call", async () => {
  const calls: string[][] = [];
  const apps = builtinApplications().register("Dial", (_ch, args) => {
    calls.push(args);
    return Promise.resolve("continue");
  });
  apps.register("Explode", () => Promise.reject(new Error("boom")));
  const { logger, records } = memoryLogger();
  const pbx = interpreter(
    `
[c]
exten => s,1,Set(PEER=SCCP/102)
same => n,DIAL(\${PEER},30,tT)
same => n,noop(lower case works)
same => n,Frobnicate(1)
[d]
exten => s,1,Explode()
`,
    { apps, logger },
  );
  const ch = channel("c");
  const out = await pbx.run(ch);
  assert.deepEqual(calls, [["SCCP/102", "30", "tT"]]);
  assert.equal(out.reason, "app-error");
  assert.equal(out.priority, 4);
  assert.ok(records.some((r) => r.level === "warn" && r.fields["app"] === "Frobnicate"));
  assert.equal((await pbx.run(channel("d"))).reason, "app-error");
  assert.ok(records.some((r) => r.level === "error" && r.msg === "application failed"));
});

test("Verbose logs its message at its level", async () => {
  const { logger, records } = memoryLogger();
  const pbx = interpreter(
    "[c]\nexten => s,1,Verbose(2, Paging to external cisco phone)\nsame => n,Verbose(4,deep)\nsame => n,Verbose(just text)\n",
    { logger },
  );
  await pbx.run(channel("c"));
  const verbose = records
    .filter((r) => "verbose" in r.fields)
    .map((r) => [r.level, r.msg, r.fields["verbose"]]);
  assert.deepEqual(verbose, [
    ["info", " Paging to external cisco phone", 2],
    ["debug", "deep", 4],
    ["info", "just text", 0],
  ]);
});

test("Wait sleeps on the (mockable) timers", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const pbx = interpreter(`
[c]
exten => s,1,Wait(2)
same => n,Set(A=1)
same => n,Wait(0.5)
same => n,Set(B=1)
`);
  const ch = channel("c");
  let finished = false;
  const done = pbx.run(ch).then((o) => {
    finished = true;
    return o;
  });
  await flush();
  t.mock.timers.tick(1999);
  await flush();
  assert.equal(ch.vars.has("A"), false);
  t.mock.timers.tick(1);
  await flush();
  assert.equal(ch.vars.get("A"), "1");
  assert.equal(ch.vars.has("B"), false);
  t.mock.timers.tick(500);
  await flush();
  assert.equal(ch.vars.get("B"), "1");
  assert.equal(finished, true);
  assert.equal((await done).reason, "fell-through");
});

test("hanging up through the run handle interrupts Wait at once and runs h", async () => {
  mock.timers.enable({ apis: ["setTimeout"] });
  try {
    const pbx = interpreter(`
[c]
exten => s,1,Wait(3600)
same => n,Set(AFTER=1)
exten => h,1,Set(CAUSE=\${HANGUPCAUSE})
same => n,Wait(10)
same => n,Set(H_AFTER_WAIT=1)
`);
    const ch = channel("c");
    const run = pbx.start(ch);
    await flush();
    assert.equal(ch.priority, 1);
    run.hangup(19);
    const out = await run.done; // no tick: the sleep ended on the abort
    assert.equal(out.reason, "hangup");
    assert.equal(out.hangupCause, 19);
    assert.equal(ch.vars.has("AFTER"), false);
    assert.equal(ch.vars.get("CAUSE"), "19");
    assert.equal(ch.vars.has("H_AFTER_WAIT"), false); // Wait on a hung-up channel stops h
  } finally {
    mock.timers.reset();
  }
});

test("an external AbortSignal hangs the channel up", async () => {
  const pbx = interpreter("[c]\nexten => s,1,Wait(3600)\nsame => n,Set(AFTER=1)\n");
  const ac = new AbortController();
  const ch = channel("c");
  const done = pbx.run(ch, { signal: ac.signal });
  await flush();
  ac.abort();
  assert.equal((await done).reason, "hangup");
  assert.equal(ch.vars.has("AFTER"), false);
});

test("a zero-time infinite loop is stopped, without blocking the event loop", async () => {
  const pbx = interpreter(`
[c]
exten => s,1,While(1)
same => n,NoOp(spin)
same => n,EndWhile()
exten => h,1,Set(H=ran)
`);
  let immediateRan = false;
  setImmediate(() => {
    immediateRan = true;
  });
  const ch = channel("c");
  const out = await pbx.run(ch); // default limit: 10000 priorities per second
  assert.equal(out.reason, "loop-limit");
  assert.ok(out.steps > 10_000 && out.steps < 10_100, `steps ${out.steps}`);
  assert.equal(ch.vars.get("H"), "ran");
  assert.equal(immediateRan, true, "the loop yielded to the event loop");
});

test("the loop limit is per second of the injected clock, and configurable", async () => {
  let clock = 0;
  let msPerCall = 60;
  const pbx = interpreter("[c]\nexten => s,1,Set(N=$[0${N} + 1])\nsame => n,GotoIf($[${N} < 50]?1)\n", {
    maxStepsPerSecond: 20,
    yieldEvery: 5,
    now: () => (clock += msPerCall),
  });
  // 100 steps at most 20 per second: fine when each step takes 60 ms, stopped when time stands still.
  const slow = await pbx.run(channel("c"));
  assert.equal(slow.reason, "fell-through");
  assert.equal(slow.steps, 100);
  msPerCall = 0;
  const fast = await pbx.run(channel("c"));
  assert.equal(fast.reason, "loop-limit");
  assert.equal(fast.steps, 21);
});

test("a channel cannot run two pbx loops at once", async () => {
  const pbx = interpreter("[c]\nexten => s,1,Wait(0.01)\n");
  const ch = channel("c");
  const run = pbx.start(ch);
  assert.throws(() => pbx.start(ch), { code: "CORE_ERR_DIALPLAN" });
  await run.done;
  ch.hungUp = false;
  ch.priority = 1;
  assert.equal((await pbx.run(ch)).reason, "fell-through");
});
