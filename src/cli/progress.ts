export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Progress {
  update(done: number, total: number, status: string): void;
  finish(): void;
}

/**
 * A progress line on stderr: redrawn in place on a terminal, one line per 10% otherwise, so CI logs
 * show movement without thousands of lines.
 */
export function createProgress(stream: ProgressStream, label: string): Progress {
  const tty = stream.isTTY === true;
  let lastBucket = -1;
  let drewLine = false;
  return {
    update(done, total, status) {
      const share = total > 0 ? Math.min(1, done / total) : status === 'done' ? 1 : 0;
      const line = `${label}: ${status} ${done}/${total} (${Math.floor(share * 100)}%)`;
      if (tty) {
        stream.write(`\r\x1b[2K${line}`);
        drewLine = true;
        return;
      }
      const bucket = Math.floor(share * 10);
      if (bucket !== lastBucket) {
        lastBucket = bucket;
        stream.write(`${line}\n`);
      }
    },
    finish() {
      if (tty && drewLine) stream.write('\n');
    },
  };
}
