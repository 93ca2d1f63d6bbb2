import { CanaryError } from '../core/errors.ts';
import { compareCommand } from './commands/compare.ts';
import { digestCommand } from './commands/digest.ts';
import { exportCommand } from './commands/export.ts';
import { gateCommand } from './commands/gate.ts';
import { importCommand } from './commands/import.ts';
import { migrateCommand } from './commands/migrate.ts';
import { modelCommand } from './commands/model.ts';
import { observationsCommand } from './commands/observations.ts';
import { patternCommand } from './commands/pattern.ts';
import { reportCommand } from './commands/report.ts';
import { suggestCommand } from './commands/suggest.ts';
import { type CliContext, createContext, type Output, reason } from './context.ts';
import { CliFailure, EXIT } from './failure.ts';

type Command = (ctx: CliContext, argv: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  migrate: migrateCommand,
  import: importCommand,
  export: exportCommand,
  model: modelCommand,
  pattern: patternCommand,
  gate: gateCommand,
  report: reportCommand,
  observations: observationsCommand,
  compare: compareCommand,
  digest: digestCommand,
  suggest: suggestCommand,
};

const USAGE = `Usage: canary <command> [options]

Commands:
  migrate                                   apply database migrations
  import <file.jsonl|file.csv>              import patterns (all rows or none)
  export [--problem KEY]                    print patterns as JSONL
  model register --name N --version V …     register a candidate model and evaluate it
  model retire|restore N@V                  take a model out of (or back into) evaluation and reports
  pattern deactivate|reactivate|edit ID     stop/resume counting a pattern, or edit it (new revision)
  gate --model N@V [--baseline production|N@V] [--strict] [--ratings] [--wait] [--junit FILE] [--markdown FILE] [--json]
  report --model N@V [--json]               pass rates per problem
  compare N@V1 N@V2 [--json]                baseline against candidate
  observations --rating down --untriaged    the triage queue (or any listing: --model, --status, --json)
  digest --now                              post the digest now
  suggest --pattern ID [--n 10] [--seed 7]  print related cases of a pattern as JSONL for \`canary import\`

Talks to a running Canary when CANARY_URL and CANARY_TOKEN are set; otherwise opens the database
directly (DATABASE_URL, or embedded PGlite in CANARY_DATA_DIR).
Exit codes: 0 success, 1 gate failed, 2 usage or infrastructure error.
Run \`canary <command> --help\` for a command's options.`;

/** Runs one CLI invocation and returns its exit code; never throws. */
export async function runCli(argv: string[], stdout: Output, stderr: Output): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    (name === undefined ? stderr : stdout).write(`${USAGE}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    stderr.write(`canary: unknown command "${name}".\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    // Each command prints its own usage on a usage error; an empty option set triggers it.
    return runCommand(command, ['--help'], stdout, stderr, true);
  }
  return runCommand(command, rest, stdout, stderr, false);
}

async function runCommand(
  command: Command,
  argv: string[],
  stdout: Output,
  stderr: Output,
  helpOnly: boolean,
): Promise<number> {
  try {
    const ctx = createContext(stdout, stderr);
    return await command(ctx, argv);
  } catch (err) {
    if (err instanceof CliFailure) {
      if (helpOnly && err.usage) {
        stdout.write(`${err.usage}\n`);
        return EXIT.ok;
      }
      stderr.write(`canary: ${err.message}\n`);
      if (err.usage) stderr.write(`\n${err.usage}\n`);
      return err.exitCode;
    }
    if (err instanceof CanaryError) {
      stderr.write(`canary: ${err.message}${err.field ? ` (${err.field})` : ''}\n`);
      return EXIT.usage;
    }
    stderr.write(`canary: unexpected failure: ${reason(err)}\n`);
    if (err instanceof Error && err.stack) stderr.write(`${err.stack}\n`);
    return EXIT.infrastructure;
  }
}
