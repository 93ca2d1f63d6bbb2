import http from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * The raw endpoint ceiling: a bare keep-alive client sending the same request bodies at the same
 * concurrency, parsing each answer as JSON and nothing more. What no engine on top can beat.
 */
export async function rawCeiling(
  url: string,
  bodies: readonly unknown[],
  concurrency: number,
): Promise<{ ms: number; requests: number; errors: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  const target = new URL(url);
  let next = 0;
  let errors = 0;
  const post = (payload: string) =>
    new Promise<void>((resolve) => {
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            try {
              JSON.parse(Buffer.concat(chunks).toString('utf8'));
              if ((res.statusCode ?? 0) >= 300) errors++;
            } catch {
              errors++;
            }
            resolve();
          });
          res.on('error', () => {
            errors++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(payload);
    });
  const lane = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      await post(JSON.stringify(body));
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, bodies.length) }, lane));
  const ms = performance.now() - start;
  agent.destroy();
  return { ms, requests: bodies.length, errors };
}

export function kserveBodies(texts: readonly string[], batchSize: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < texts.length; i += batchSize) {
    const data = texts.slice(i, i + batchSize);
    out.push({ inputs: [{ name: 'text', shape: [data.length], datatype: 'BYTES', data }] });
  }
  return out;
}
