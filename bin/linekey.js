#!/usr/bin/env node
// Entry point of the `linekey` command. Runs the compiled build when there is one (npm run
// build), otherwise the TypeScript sources through tsx, so a fresh clone works with no build.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const built = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(new URL("../src/cli/main.ts", import.meta.url).href);
}
