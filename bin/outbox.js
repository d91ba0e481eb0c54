#!/usr/bin/env node
// Node 24 runs the TypeScript sources directly (type stripping): no build step for the CLI.
import { runCli } from '../main/cli/outbox.ts';
import { keepYoungGenerationSmall } from '../main/memory.ts';

keepYoungGenerationSmall();

process.exitCode = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
