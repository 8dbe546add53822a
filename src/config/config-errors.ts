/**
 * Error aggregation for the configuration loaders. A config file usually has more than one
 * mistake; reporting them all at once saves the operator a reload per typo.
 */
import { ConfigError } from "../util/errors.ts";

/** A problem that does not stop loading (unknown key, ignored entries). */
export interface ConfigWarning {
  file: string;
  line: number;
  key: string;
  message: string;
}

/**
 * Several configuration errors thrown as one. `code`, `file`, `line` and `key` are those of the
 * first error, so callers that only look at one error still get a precise location; the message
 * lists every error on its own line.
 */
export class ConfigErrorList extends ConfigError {
  readonly errors: readonly ConfigError[];
  constructor(errors: readonly [ConfigError, ...ConfigError[]]) {
    const first = errors[0];
    super(first.code, first.file, first.line, first.key, "");
    this.name = "ConfigErrorList";
    this.errors = errors;
    this.message =
      errors.length === 1
        ? first.message
        : `${errors.length} configuration errors:\n${errors.map((e) => e.message).join("\n")}`;
  }
}

/** The individual errors carried by `err`: its list, itself, or nothing when it is not a ConfigError. */
export function configErrors(err: unknown): readonly ConfigError[] {
  if (err instanceof ConfigErrorList) return err.errors;
  if (err instanceof ConfigError) return [err];
  return [];
}

/** Throws a {@link ConfigErrorList} when `errors` is not empty. */
export function throwIfErrors(errors: readonly ConfigError[]): void {
  const [first, ...rest] = errors;
  if (first !== undefined) throw new ConfigErrorList([first, ...rest]);
}

/** `file:line: key: message`, the same shape as a ConfigError message. */
export function formatWarning(w: ConfigWarning): string {
  return `${w.file}:${w.line}: ${w.key}: ${w.message}`;
}
