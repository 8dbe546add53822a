/**
 * SIP dialogs (RFC 3261 §12) and next-hop resolution of URIs.
 */
export {
  Dialog,
  dialogIdOf,
  dialogKey,
  type DialogId,
  type DialogRequestOptions,
  type DialogRole,
  type DialogState,
} from "./dialog.ts";
export { requestTarget, targetOfUri, targetOfUriText } from "./uri-target.ts";
