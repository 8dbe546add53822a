/**
 * Unions of the concrete machines, for code that handles either kind.
 */
import type { InviteClientTransaction } from "./invite-client-transaction.ts";
import type { NonInviteClientTransaction } from "./non-invite-client-transaction.ts";
import type { InviteServerTransaction } from "./invite-server-transaction.ts";
import type { NonInviteServerTransaction } from "./non-invite-server-transaction.ts";

/** Either client machine; switch on `kind`. */
export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;

/** Either server machine; switch on `kind`. */
export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;
