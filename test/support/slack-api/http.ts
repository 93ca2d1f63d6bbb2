import type { IncomingMessage, ServerResponse } from 'node:http';

export type Args = Record<string, unknown>;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export type ParsedBody =
  | { kind: 'form' | 'json' | 'none'; args: Args }
  | { kind: 'bad'; error: 'invalid_post_type' | 'missing_post_type' | 'invalid_form_data' };

/** Slack accepts form-encoded (what @slack/web-api sends), JSON and multipart bodies; query args merge in. */
export async function parseArgs(
  req: IncomingMessage,
  raw: Buffer,
  query: URLSearchParams,
): Promise<ParsedBody> {
  const args: Args = Object.fromEntries(query);
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (raw.length === 0) return { kind: 'none', args };
  if (contentType === '') return { kind: 'bad', error: 'missing_post_type' };
  if (contentType === 'application/x-www-form-urlencoded' || contentType === 'text/plain') {
    for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) args[k] = v;
    return { kind: 'form', args };
  }
  if (contentType === 'application/json') {
    try {
      const parsed = JSON.parse(raw.toString('utf8')) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        return { kind: 'bad', error: 'invalid_form_data' };
      }
      return { kind: 'json', args: { ...args, ...(parsed as Args) } };
    } catch {
      return { kind: 'bad', error: 'invalid_form_data' };
    }
  }
  if (contentType === 'multipart/form-data') {
    const form = await multipart(req, raw);
    if (!form) return { kind: 'bad', error: 'invalid_form_data' };
    for (const [k, v] of form) if (typeof v === 'string') args[k] = v;
    return { kind: 'form', args };
  }
  return { kind: 'bad', error: 'invalid_post_type' };
}

/** Undici's Request already knows multipart; reusing it avoids a hand-written parser. */
export async function multipart(req: IncomingMessage, raw: Buffer): Promise<FormData | undefined> {
  try {
    const request = new Request('http://local/', {
      method: 'POST',
      headers: { 'content-type': req.headers['content-type'] ?? '' },
      body: new Uint8Array(raw),
    });
    return await request.formData();
  } catch {
    return undefined;
  }
}

/** The bytes a client uploads: the first file part of a multipart body, or the raw body. */
export async function uploadedBytes(req: IncomingMessage, raw: Buffer): Promise<Buffer> {
  const contentType = req.headers['content-type'] ?? '';
  if (!contentType.startsWith('multipart/form-data')) return raw;
  const form = await multipart(req, raw);
  if (!form) return raw;
  for (const [, value] of form) {
    if (typeof value !== 'string') return Buffer.from(await value.arrayBuffer());
  }
  const first = form.values().next();
  return first.done ? Buffer.alloc(0) : Buffer.from(String(first.value));
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
