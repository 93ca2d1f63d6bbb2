import { runCli } from './run.ts';

const code = await runCli(process.argv.slice(2), process.stdout, process.stderr);
// Let stdout drain (large exports into a pipe) before the process ends, instead of process.exit().
process.exitCode = code;
