/** Errors the edges turn into an ephemeral message, a 4xx body or an exit code. */
export class CanaryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'CanaryError';
  }
}
