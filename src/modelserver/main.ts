import { parseArgs } from 'node:util';
import { stopOnBadSetting } from '../config.ts';
import { startModelServer } from './server.ts';

/**
 * `tsx src/modelserver/main.ts --port 8080 --host 0.0.0.0 [--latency-ms 5] [--fail-every 10]`
 * Flags only (no environment): the demo and docker-compose pass what they want explicitly.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    'latency-ms': { type: 'string' },
    'fail-every': { type: 'string' },
  },
});

function intFlag(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    stopOnBadSetting(`--${name} must be a non-negative integer, got "${raw}"`);
  }
  return n;
}

const port = intFlag('port', values.port) ?? 8080;
const latencyMs = intFlag('latency-ms', values['latency-ms']);
const failEvery = intFlag('fail-every', values['fail-every']);
const server = await startModelServer({
  port,
  host: values.host,
  ...(latencyMs !== undefined ? { latencyMs } : {}),
  ...(failEvery !== undefined ? { failEvery } : {}),
});
process.stdout.write(`model server listening on ${server.url} (models: afinn, vader, naive)\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
