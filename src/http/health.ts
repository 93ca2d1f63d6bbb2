import { Hono } from 'hono';

export interface Readiness {
  postgres: boolean;
  redis: boolean;
}

/** /healthz says the process answers; /readyz says it can do its work (Postgres and Redis reachable). */
export function healthRoutes(ping: () => Promise<Readiness>): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    let checks: Readiness;
    try {
      checks = await ping();
    } catch {
      checks = { postgres: false, redis: false };
    }
    const ready = checks.postgres && checks.redis;
    return c.json({ status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503);
  });
  return app;
}
