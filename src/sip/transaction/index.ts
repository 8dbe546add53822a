/**
 * SIP transaction layer: the four RFC 3261 §17 machines and the layer that owns them.
 */
export { DEFAULT_TIMERS, resolveTimers, transactionTimeout, type TimerConfig } from "./timers.ts";
export {
  Transaction,
  type TransactionEvents,
  type TransactionKind,
  type TransactionOptions,
  type Timer,
} from "./transaction.ts";
export { ClientTransactionBase, type ClientTransactionOptions } from "./client-transaction.ts";
export { ServerTransactionBase, type ServerTransactionOptions } from "./server-transaction.ts";
export { InviteClientTransaction, type InviteClientState } from "./invite-client-transaction.ts";
export { NonInviteClientTransaction, type NonInviteClientState } from "./non-invite-client-transaction.ts";
export { InviteServerTransaction, type InviteServerState } from "./invite-server-transaction.ts";
export { NonInviteServerTransaction, type NonInviteServerState } from "./non-invite-server-transaction.ts";
export { createNon2xxAck } from "./create-non-2xx-ack.ts";
export { clientKey, clientKeyOfResponse, serverKey, isRfc2543Key } from "./transaction-key.ts";
export type { ClientTransaction, ServerTransaction } from "./transaction-types.ts";
export type {
  ClientTransactionUser,
  NewServerTransactionContext,
  TransactionUser,
} from "./transaction-user.ts";
export { TransactionLayer, type TransactionLayerOptions } from "./transaction-layer.ts";
