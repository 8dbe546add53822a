/**
 * Appearances: per AoR, the ordered list of line appearances in use (reference §1, §5). An AoR is
 * "shared" (SCA) exactly when it has a list; idle appearances do not exist (releasing one
 * removes it); indices are allocated lowest-free-first without upper bound.
 */
import { formatAppearanceUri } from "./call-info.ts";
import { type AppearanceState, isHeldState } from "./appearance-state.ts";
import { dialogId, isEmptyDialog, NO_DIALOG, type ScaDialog } from "./dialog.ts";
import { ScaHashTable } from "./hash.ts";

/** One appearance of an AoR. */
export interface Appearance {
  readonly index: number;
  state: AppearanceState;
  /** `appearance-uri` text (`<sip:…>` or `display <sip:…>`); "" when none. */
  uri: string;
  /** Contact URI of the phone using the appearance. */
  owner: string;
  /** Contact URI of the far end; "" until known. */
  callee: string;
  dialog: ScaDialog;
  prevOwner: string;
  prevCallee: string;
  prevDialog: ScaDialog;
  /** Creation and last state change, unix seconds. */
  readonly ctime: number;
  mtime: number;
  /** Set on a pick-up (reference §6.4); never read, as in Kamailio. */
  ownerPending: boolean;
  calleePending: boolean;
}

/** The appearances of one AoR, ascending index. */
export interface AppearanceList {
  readonly aor: string;
  readonly appearances: Appearance[];
}

/** Outcome of a seize. */
export type SeizeOutcome =
  | { readonly ok: true; readonly appearance: Appearance }
  | { readonly ok: false; readonly reason: "unavailable" | "not-shared" };

/** Outcome of a release or update by index. */
export type IndexOutcome = "ok" | "not-shared" | "not-in-use";

/** Idle seized appearances older than this are purged (reference §7). */
export const SEIZED_TTL_S = 120;
/** Callee appearances waiting for their ACK longer than this are purged (reference §7). */
export const ACTIVE_PENDING_TTL_S = 35;

/** The appearance lists of every shared AoR, in Kamailio's hash table layout. */
export class AppearanceTable {
  private readonly table: ScaHashTable<AppearanceList>;
  /**
   * The same lists by AoR. The slot lists give the table order (RPC listings, purges); a lookup
   * goes here instead of comparing the AoR with every list of its slot — at tens of thousands of
   * AoRs a slot holds dozens of same-length URIs that differ only near their end.
   */
  private readonly byAor = new Map<string, AppearanceList>();

  /**
   * @param hashPower - `hash_table_size`
   * @param now - current time in unix seconds
   */
  constructor(
    hashPower: number,
    private readonly now: () => number,
  ) {
    this.table = new ScaHashTable(hashPower);
  }

  /** The list of an AoR; undefined when the AoR is not shared. */
  list(aor: string): AppearanceList | undefined {
    // Kamailio's lookup keeps the last match of the slot; there is never more than one list per
    // AoR (every insertion checks first), so the map holds the one there is.
    return this.byAor.get(aor);
  }

  /** True when the AoR has an appearance list (it is an SCA line). */
  isShared(aor: string): boolean {
    return this.list(aor) !== undefined;
  }

  /** Creates the list of an AoR if missing (a subscription for it was saved). */
  register(aor: string): void {
    if (this.isShared(aor)) return;
    this.add({ aor, appearances: [] });
  }

  /** Deletes the list of an AoR with every appearance; returns whether it existed. */
  unregister(aor: string): boolean {
    const l = this.list(aor);
    if (l === undefined || !this.table.remove(this.table.slotOf(aor), l)) return false;
    this.byAor.delete(aor);
    return true;
  }

  /** Every list in table order (RPC listings). */
  all(): AppearanceList[] {
    return [...this.table.all()];
  }

  /**
   * Seizes `index` (≤ 0: the lowest free one) for `owner` in state seized. Fails when the index
   * is in use or the AoR is not shared (Kamailio's line-seize requires a saved subscription).
   */
  seizeIndex(aor: string, index: number, owner: string): SeizeOutcome {
    const l = this.list(aor);
    if (l === undefined) return { ok: false, reason: "not-shared" };
    const idx = index <= 0 ? nextFreeIndex(l) : index;
    if (l.appearances.some((a) => a.index === idx)) return { ok: false, reason: "unavailable" };
    return { ok: true, appearance: this.insert(l, idx, owner) };
  }

  /** Seizes the lowest free index, creating the list when the AoR had none (RPC seize). */
  seizeNextAvailable(aor: string, owner: string): Appearance {
    let l = this.list(aor);
    if (l === undefined) {
      l = { aor, appearances: [] };
      this.add(l);
    }
    return this.insert(l, nextFreeIndex(l), owner);
  }

  /** The appearance at an index. */
  forIndex(aor: string, index: number): Appearance | undefined {
    return this.list(aor)?.appearances.find((a) => a.index === index);
  }

  /**
   * The appearance of a dialog, matched on Call-ID and from-tag only (Kamailio compiled the
   * to-tag comparison out, reference §6.2).
   */
  forDialog(aor: string, callId: string, fromTag: string): Appearance | undefined {
    return this.list(aor)?.appearances.find(
      (a) => a.dialog.callId === callId && a.dialog.fromTag === fromTag,
    );
  }

  /** The state at an index; undefined when not in use. */
  stateForIndex(aor: string, index: number): AppearanceState | undefined {
    return this.forIndex(aor, index)?.state;
  }

  /**
   * Updates the appearance at `index` — or, for index 0, the one whose full dialog id equals
   * `dialog`'s — with a new state (undefined: unchanged), `uri` (a bare URI, stored as `<uri>`;
   * undefined: unchanged) and dialog (empty: unchanged).
   */
  updateIndex(
    aor: string,
    index: number,
    state: AppearanceState | undefined,
    uri: string | undefined,
    dialog: ScaDialog,
  ): IndexOutcome {
    const l = this.list(aor);
    if (l === undefined) return "not-shared";
    const id = dialogId(dialog);
    const app = l.appearances.find((a) => a.index === index || (index === 0 && dialogId(a.dialog) === id));
    if (app === undefined) return "not-in-use";
    if (state !== undefined && app.state !== state) this.setState(app, state);
    // Kamailio wraps the given URI in <> (no display name on this path).
    if (uri !== undefined && uri !== "") app.uri = formatAppearanceUri(undefined, uri);
    if (!isEmptyDialog(dialog)) app.dialog = dialog;
    return "ok";
  }

  /** Kamailio's `sca_appearance_update_unsafe`: every argument optional. */
  update(
    app: Appearance,
    change: {
      state?: AppearanceState | undefined;
      display?: string | undefined;
      uri?: string | undefined;
      dialog?: ScaDialog | undefined;
      owner?: string | undefined;
      callee?: string | undefined;
    },
  ): void {
    if (change.state !== undefined) this.setState(app, change.state);
    if (change.uri !== undefined && change.uri !== "")
      app.uri = formatAppearanceUri(change.display, change.uri);
    if (change.dialog !== undefined && !isEmptyDialog(change.dialog)) app.dialog = change.dialog;
    if (change.owner !== undefined && change.owner !== "") app.owner = change.owner;
    if (change.callee !== undefined && change.callee !== "") app.callee = change.callee;
  }

  /** Moves the owner to `prevOwner` and sets a new one (pick-up). */
  replaceOwner(app: Appearance, owner: string): void {
    if (app.owner !== "") app.prevOwner = app.owner;
    app.owner = owner;
  }

  /** Moves the callee to `prevCallee` and sets a new one (pick-up of a shared far end). */
  replaceCallee(app: Appearance, callee: string): void {
    if (app.callee !== "") app.prevCallee = app.callee;
    app.callee = callee;
  }

  /** Moves the dialog to `prevDialog` and sets a new one. */
  replaceDialog(app: Appearance, dialog: ScaDialog): void {
    if (!isEmptyDialog(app.dialog)) app.prevDialog = app.dialog;
    app.dialog = dialog;
  }

  /** Sets the state and the modification time. */
  setState(app: Appearance, state: AppearanceState): void {
    app.state = state;
    app.mtime = this.now();
  }

  /** Releases the appearance at an index. */
  releaseIndex(aor: string, index: number): IndexOutcome {
    const l = this.list(aor);
    if (l === undefined) return "not-shared";
    const i = l.appearances.findIndex((a) => a.index === index);
    if (i < 0) return "not-in-use";
    l.appearances.splice(i, 1);
    return "ok";
  }

  /** Removes one appearance from its list; returns whether it was there. */
  unlink(aor: string, app: Appearance): boolean {
    const l = this.list(aor);
    if (l === undefined) return false;
    const i = l.appearances.indexOf(app);
    if (i < 0) return false;
    l.appearances.splice(i, 1);
    return true;
  }

  /** Removes the appearance of a dialog (Call-ID and from-tag); returns it. */
  unlinkByTags(aor: string, callId: string, fromTag: string): Appearance | undefined {
    const app = this.forDialog(aor, callId, fromTag);
    if (app === undefined) return undefined;
    return this.unlink(aor, app) ? app : undefined;
  }

  /** Releases every appearance the owner holds (a phone rebooted); returns how many. */
  ownerReleaseAll(aor: string, owner: string): number {
    const l = this.list(aor);
    if (l === undefined) return 0;
    const before = l.appearances.length;
    const keep = l.appearances.filter((a) => a.owner !== owner);
    l.appearances.splice(0, l.appearances.length, ...keep);
    return before - keep.length;
  }

  /**
   * Removes appearances stuck in seized (120 s) or active-pending (35 s) since their last state
   * change; returns the AoRs that lost one, to be notified (reference §7).
   */
  purgeStale(): string[] {
    const now = this.now();
    const notify: string[] = [];
    for (const l of this.table.all()) {
      const keep = l.appearances.filter((a) => {
        const ttl =
          a.state === "active-pending"
            ? ACTIVE_PENDING_TTL_S
            : a.state === "seized"
              ? SEIZED_TTL_S
              : undefined;
        return ttl === undefined || now - a.mtime < ttl;
      });
      if (keep.length !== l.appearances.length) {
        l.appearances.splice(0, l.appearances.length, ...keep);
        notify.push(l.aor);
      }
    }
    return notify;
  }

  /** True when held or held-private. */
  static isHeld(app: Appearance): boolean {
    return isHeldState(app.state);
  }

  private add(l: AppearanceList): void {
    this.table.insert(this.table.slotOf(l.aor), l);
    this.byAor.set(l.aor, l);
  }

  private insert(l: AppearanceList, index: number, owner: string): Appearance {
    const now = this.now();
    const app: Appearance = {
      index,
      state: "seized",
      uri: "",
      owner,
      callee: "",
      dialog: NO_DIALOG,
      prevOwner: "",
      prevCallee: "",
      prevDialog: NO_DIALOG,
      ctime: now,
      mtime: now,
      ownerPending: false,
      calleePending: false,
    };
    const at = l.appearances.findIndex((a) => index < a.index);
    if (at < 0) l.appearances.push(app);
    else l.appearances.splice(at, 0, app);
    return app;
  }
}

/** The lowest index not in use, counting from 1. */
function nextFreeIndex(l: AppearanceList): number {
  let idx = 1;
  for (const a of l.appearances) {
    if (idx < a.index) break;
    idx++;
  }
  return idx;
}
