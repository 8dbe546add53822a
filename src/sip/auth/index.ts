/**
 * SIP digest authentication (RFC 3261 §22, RFC 7616, RFC 8760).
 */
export {
  digestAlgorithm,
  digestResponse,
  formatChallenge,
  parseDigestCredentials,
  type DigestAlgorithm,
  type DigestCredentials,
  type DigestInput,
} from "./digest.ts";
export { NonceSource, type NonceState } from "./nonce.ts";
export { DigestAuthenticator, type AuthResult, type DigestAuthenticatorOptions } from "./authenticator.ts";
