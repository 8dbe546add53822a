/**
 * What the dialplan needs from a channel, and the shape of dialplan applications. Kept apart
 * from the interpreter so that variables, functions and applications can use these types
 * without importing the pbx loop. Real channels (SCCP lines, SIP legs) implement
 * {@link DialplanChannel}; tests use plain objects.
 */
import type { Logger } from "../../util/logger.ts";
import type { Dialplan } from "./model.ts";
import type { FunctionRegistry, VariableScope } from "./variables.ts";

/** A channel as the dialplan sees it: a position in the dialplan, variables, caller id. */
export interface DialplanChannel {
  readonly name: string;
  context: string;
  exten: string;
  priority: number;
  vars: Map<string, string>;
  callerIdNum: string;
  callerIdName: string;
  /**
   * Set once the channel is hung up (by an application, the far end, or the end of the pbx
   * loop). The loop checks it between applications; to interrupt a running application
   * (a `Wait`), hang up through the run handle, which also aborts its signal.
   */
  hungUp: boolean;
  /** The application running now with its arguments, `Dial(SCCP/107)`; set by the interpreter. */
  application?: string;
}

/** Where the dialplan continues after an application. */
export type AppResult =
  /** Next priority. */
  | "continue"
  /** Stop the pbx loop and hang up (Asterisk: the application returned -1). */
  | "hangup"
  /**
   * Jump. Missing context/exten keep the current ones; a string priority is a label (or a
   * number written as text) resolved in the target extension.
   */
  | { goto: { context?: string; exten?: string; priority: number | string } };

/** Everything an application may use besides the channel and its split arguments. */
export interface AppContext {
  /** The argument text after variable substitution, before splitting (Set, GotoIf parse it). */
  readonly data: string;
  /** Where the application runs. */
  readonly context: string;
  readonly exten: string;
  readonly priority: number;
  readonly dialplan: Dialplan;
  /** The channel's variables (channel over globals, with built-ins such as EXTEN). */
  readonly scope: VariableScope;
  readonly functions: FunctionRegistry;
  readonly log: Logger;
  /** Aborted when the channel is hung up while the application runs. */
  readonly signal: AbortSignal;
  /** Waits `ms` milliseconds; resolves early (never rejects) when the channel hangs up. */
  sleep(ms: number): Promise<void>;
  /** Variable substitution in the channel's scope (`${VAR}`, `$[expr]`). */
  substitute(text: string): string;
  /** Records the Q.850 hangup cause the run reports when it ends. */
  setHangupCause(cause: number): void;
}

/** A dialplan application: `Dial`, `NoOp`, ... */
export type Application = (ch: DialplanChannel, args: string[], ctx: AppContext) => Promise<AppResult>;
