/**
 * `dialplan show [[exten@]context]`, printed exactly as Asterisk 1.8 prints it (the registrar
 * in brackets, not the file:line of later versions). A port of show_dialplan_helper():
 * - contexts are listed newest first (Asterisk prepends each context it creates to its list);
 * - with an extension, only contexts holding a matching extension or pattern are printed (that
 *   is why `dialplan show 107@` also lists `_X.`), and included contexts are searched
 *   recursively and printed as "Included context";
 * - columns are `"  %-17s %-45s [%s]"`; the first line of an extension carries its name,
 *   later priorities their `[label]`.
 */
import { HINT_PRIORITY } from "./model.ts";
import type { Dialplan, DialplanContext, DialplanPriority } from "./model.ts";
import { extensionMatch } from "./pattern.ts";

interface Counters {
  totalContext: number;
  totalExten: number;
  totalPrio: number;
  contextExistence: boolean;
  extensionExistence: boolean;
}

/** Asterisk's AST_PBX_MAX_STACK. */
const MAX_INCLUDE_DEPTH = 128;

function row(left: string, middle: string, registrar: string): string {
  return `  ${left.padEnd(17)} ${middle.padEnd(45)} [${registrar}]`;
}

function printExt(p: DialplanPriority): string {
  if (p.priority === HINT_PRIORITY) return `hint: ${p.app}`;
  return `${p.priority}. ${p.app}(${p.appData})`;
}

function showContexts(
  dp: Dialplan,
  out: string[],
  context: string | undefined,
  exten: string | undefined,
  counters: Counters,
  included: boolean,
  includeStack: string[],
): void {
  const contexts: DialplanContext[] = [...dp.contexts.values()].reverse();
  for (const c of contexts) {
    if (context !== undefined && c.name !== context) continue;
    counters.contextExistence = true;
    // An object, not a `let`: the flag is set inside the closure.
    const shown = { header: false };
    const header = (): void => {
      if (shown.header) return;
      counters.totalContext++;
      out.push(`[ ${included ? "Included context" : "Context"} '${c.name}' created by '${c.registrar}' ]`);
      shown.header = true;
    };
    if (exten === undefined) header();

    for (const e of c.extensions) {
      if (exten !== undefined && extensionMatch(e.name, exten, "match") === 0) continue;
      counters.extensionExistence = true;
      header();
      e.priorities.forEach((p, i) => {
        counters.totalPrio++;
        const left = i === 0 ? `'${e.name}' =>` : p.label === undefined ? "" : `   [${p.label}]`;
        out.push(row(left, printExt(p), p.registrar));
      });
      counters.totalExten++;
    }

    for (const inc of c.includes) {
      if (exten === undefined) {
        out.push(`  Include =>        ${`'${inc.name}'`.padEnd(45)} [${c.registrar}]`);
        continue;
      }
      // Searching for an extension: look into the included context too (once per path).
      if (includeStack.length >= MAX_INCLUDE_DEPTH) continue;
      if (includeStack.some((n) => n.toLowerCase() === inc.name.toLowerCase())) continue;
      showContexts(dp, out, inc.name, exten, counters, true, [...includeStack, inc.name]);
    }

    for (const ip of c.ignorePatterns) {
      if (exten === undefined || extensionMatch(`_${ip}.`, exten, "match") !== 0) {
        out.push(`  Ignore pattern => ${`'${ip}'`.padEnd(45)} [${c.registrar}]`);
      }
    }

    if (shown.header) out.push("");
  }
}

/**
 * The text of `dialplan show`, `dialplan show context`, `dialplan show exten@` or
 * `dialplan show exten@context`, one `\n` after each line.
 */
export function dialplanShow(dp: Dialplan, exten?: string, context?: string): string {
  const ex = exten === "" ? undefined : exten;
  const cx = context === "" ? undefined : context;
  const counters: Counters = {
    totalContext: 0,
    totalExten: 0,
    totalPrio: 0,
    contextExistence: false,
    extensionExistence: false,
  };
  const out: string[] = [];
  showContexts(dp, out, cx, ex, counters, false, []);
  if (cx !== undefined && !counters.contextExistence) {
    out.push(`There is no existence of '${cx}' context`);
  } else if (ex !== undefined && !counters.extensionExistence) {
    out.push(
      cx !== undefined
        ? `There is no existence of ${ex}@${cx} extension`
        : `There is no existence of '${ex}' extension in all contexts`,
    );
  } else {
    const { totalExten: e, totalPrio: p, totalContext: c } = counters;
    out.push(
      `-= ${e} ${e === 1 ? "extension" : "extensions"} (${p} ${p === 1 ? "priority" : "priorities"}) ` +
        `in ${c} ${c === 1 ? "context" : "contexts"}. =-`,
    );
  }
  return out.map((l) => `${l}\n`).join("");
}
