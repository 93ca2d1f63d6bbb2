/** Exit codes of the `canary` command: CI scripts branch on these. */
export const EXIT = { ok: 0, gateFailed: 1, usage: 2, infrastructure: 2 } as const;

/** Something the command cannot do; main prints the sentence (and usage, when given) and exits with the code. */
export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.infrastructure,
    readonly usage?: string,
  ) {
    super(message);
    this.name = 'CliFailure';
  }
}

export function usageError(message: string, usage: string): never {
  throw new CliFailure(message, EXIT.usage, usage);
}
