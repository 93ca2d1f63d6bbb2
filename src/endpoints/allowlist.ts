import { isIP } from 'node:net';

export type UrlCheck = { ok: true } | { ok: false; error: string };

interface Cidr {
  version: 4 | 6;
  base: bigint;
  prefix: number;
}

/** Cloud metadata and link-local targets: refused even with an empty allowlist, unless named explicitly. */
const BLOCKED_CIDRS: Cidr[] = ['169.254.0.0/16', '100.100.100.200/32', 'fe80::/10', 'fd00:ec2::254/128'].map(
  (c) => parseCidr(c)!,
);
const BLOCKED_HOSTS = new Set(['metadata.google.internal', 'metadata']);

/**
 * Is Canary allowed to send pattern inputs to this URL? Only http(s); with a non-empty allowlist the host
 * must match an entry (exact host, `*.suffix`, or a CIDR for IP literals); metadata / link-local targets are
 * refused unless an entry names them exactly (a wildcard or a wider CIDR is not enough).
 *
 * Pure on purpose: no DNS. A lookup here would only prove what the name resolved to at registration time
 * (DNS rebinding defeats it), would make the check slow and flaky, and would tie a validation to the
 * network. Names are therefore judged as written; deployments that must stop names resolving to internal
 * addresses should egress through a proxy or firewall that checks the connected address.
 */
export function checkEndpointUrl(url: string, allowlist: readonly string[]): UrlCheck {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, error: 'endpoint URL is not a valid URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return {
      ok: false,
      error: `endpoint URL must use http or https, not ${parsed.protocol.replace(':', '')}`,
    };
  if (parsed.username || parsed.password)
    return {
      ok: false,
      error: 'endpoint URL must not carry credentials; reference them with headersFromEnv instead',
    };
  const host = normaliseHost(parsed.hostname);
  const ip = parseIp(host);
  const entries = allowlist.map((e) => e.trim().toLowerCase()).filter(Boolean);

  if (isBlocked(host, ip) && !entries.some((e) => matchesExplicitly(e, host, ip)))
    return {
      ok: false,
      error: `endpoint host ${host} is a link-local or cloud metadata address and is refused`,
    };
  if (entries.length > 0 && !entries.some((e) => matches(e, host, ip)))
    return { ok: false, error: `endpoint host ${host} is not in the endpoint allowlist` };
  return { ok: true };
}

function normaliseHost(hostname: string): string {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return bare.toLowerCase().replace(/\.$/, '');
}

function isBlocked(host: string, ip: Cidr | null): boolean {
  if (BLOCKED_HOSTS.has(host)) return true;
  return ip !== null && BLOCKED_CIDRS.some((c) => contains(c, ip));
}

function matches(entry: string, host: string, ip: Cidr | null): boolean {
  if (entry.startsWith('*.')) return host.endsWith(entry.slice(1)) && host.length > entry.length - 1;
  const cidr = parseCidr(entry);
  if (cidr) return ip !== null && contains(cidr, ip);
  return normaliseHost(entry) === host;
}

/** An exact host, or a CIDR that lies entirely inside a blocked range (so `0.0.0.0/0` does not count). */
function matchesExplicitly(entry: string, host: string, ip: Cidr | null): boolean {
  if (entry.startsWith('*.')) return false;
  const cidr = parseCidr(entry);
  if (!cidr) return normaliseHost(entry) === host;
  return ip !== null && contains(cidr, ip) && BLOCKED_CIDRS.some((b) => contains(b, cidr));
}

/** Does `outer` contain the whole of `inner` (an address is a /32 or /128)? */
function contains(outer: Cidr, inner: Cidr): boolean {
  if (outer.version !== inner.version || inner.prefix < outer.prefix) return false;
  const bits = outer.version === 4 ? 32 : 128;
  const shift = BigInt(bits - outer.prefix);
  return outer.base >> shift === inner.base >> shift;
}

function parseCidr(text: string): Cidr | null {
  const [addr, prefixText, ...rest] = normaliseHost(text).split('/');
  if (rest.length > 0 || addr === undefined) return null;
  const ip = parseIp(addr);
  if (!ip) return null;
  if (prefixText === undefined) return ip;
  if (!/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (prefix > (ip.version === 4 ? 32 : 128)) return null;
  return { ...ip, prefix };
}

/** An IP literal as a full-length Cidr; IPv4-mapped IPv6 (::ffff:a.b.c.d) is judged as the IPv4 it carries. */
function parseIp(text: string): Cidr | null {
  const version = isIP(text);
  if (version === 4) return { version: 4, base: ipv4ToBigInt(text), prefix: 32 };
  if (version !== 6) return null;
  const value = ipv6ToBigInt(text);
  if (value >> 32n === 0xffffn) return { version: 4, base: value & 0xffffffffn, prefix: 32 };
  return { version: 6, base: value, prefix: 128 };
}

function ipv4ToBigInt(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function ipv6ToBigInt(text: string): bigint {
  let groups = text;
  const lastColon = groups.lastIndexOf(':');
  const tail = groups.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = ipv4ToBigInt(tail);
    groups = `${groups.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', rest] = groups.split('::');
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const fill = rest === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}
