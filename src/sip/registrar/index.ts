/**
 * The SIP registrar (RFC 3261 §10.3) and its bindings.
 */
export {
  Registrar,
  type RegisterOutcome,
  type RegistrarEvents,
  type RegistrarOptions,
  type RegistrarSettings,
} from "./registrar.ts";
export { formatSource, parseSource, type Binding, type LookupResult } from "./binding.ts";
