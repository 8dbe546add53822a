/**
 * The dialplan: extensions.conf parsing, extension matching, variables and expressions, the
 * pbx loop with the applications that need no media, and `dialplan show`.
 */
export { ApplicationRegistry, builtinApplications, unknownApplications } from "./app-registry.ts";
export { splitArgs } from "./args.ts";
export type { SplitArgsOptions } from "./args.ts";
export { parseSeconds } from "./basic-apps.ts";
export type { AppContext, AppResult, Application, DialplanChannel } from "./channel.ts";
export { evaluateExpression, formatNumber, isTrue } from "./expressions.ts";
export type { ExpressionOptions } from "./expressions.ts";
export { parseHangupCause } from "./hangup-causes.ts";
export { DialplanInterpreter } from "./interpreter.ts";
export type { InterpreterOptions, PbxEndReason, PbxOutcome, PbxRun } from "./interpreter.ts";
export { parseLocation, resolveLocation } from "./location.ts";
export type { LocationSpec, ResolvedLocation } from "./location.ts";
export { extensionExists, findExtension, findHint, findLabel, findPriority, matchState } from "./matcher.ts";
export type { FoundPriority, MatchState } from "./matcher.ts";
export {
  CONFIG_REGISTRAR,
  HINT_PRIORITY,
  addContext,
  addInclude,
  addPriority,
  createDialplan,
} from "./model.ts";
export type {
  Dialplan,
  DialplanContext,
  DialplanExtension,
  DialplanInclude,
  DialplanPriority,
  DialplanSettings,
  NewPriority,
} from "./model.ts";
export { loadDialplanFile, parseDialplan, parseDialplanText } from "./parser.ts";
export {
  compareExtensions,
  extensionMatch,
  isPattern,
  normalizeExtension,
  patternProblem,
} from "./pattern.ts";
export type { MatchMode, MatchResult } from "./pattern.ts";
export { CAUSE_NORMAL_CLEARING, inheritVariables, pbxState } from "./pbx-state.ts";
export type { ChannelPbxState, GosubFrame, WhileLoop } from "./pbx-state.ts";
export { dialplanShow } from "./show.ts";
export {
  FunctionRegistry,
  builtinFunctions,
  channelScope,
  globalScope,
  setVariable,
  substitute,
  substring,
} from "./variables.ts";
export type { DialplanFunction, SubstituteOptions, VariableScope } from "./variables.ts";
