#!/usr/bin/env node
/** Command-line entry: `npm run cli -- <command> [args]` (the package's `gru-stream` bin). */
import { runCli } from './run.js';

process.exitCode = await runCli(process.argv.slice(2));
