#!/usr/bin/env node
import { processIo } from './io.js';
import { withPlaneEnv } from './plane/plane-file.js';
import { runCli } from './run.js';

const argv = process.argv.slice(2);
// When NATS_URL is unset, every command talks to the plane `fedplane start` runs
// (.fedplane/plane.json) — except `start` itself, which starts that plane.
if (argv[0] !== 'start') {
  const planeNatsUrl = withPlaneEnv(process.env, process.cwd())['NATS_URL'];
  if (planeNatsUrl !== undefined) process.env['NATS_URL'] = planeNatsUrl;
}

process.exitCode = await runCli(argv, processIo);
