import { isIP } from 'node:net';

/** An address or a network: an address is a /32 (IPv4) or /128 (IPv6). */
export interface Cidr {
  version: 4 | 6;
  base: bigint;
  prefix: number;
}

export function normaliseHost(hostname: string): string {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return bare.toLowerCase().replace(/\.$/, '');
}

/** Does `outer` contain the whole of `inner`? */
export function contains(outer: Cidr, inner: Cidr): boolean {
  if (outer.version !== inner.version || inner.prefix < outer.prefix) return false;
  const bits = outer.version === 4 ? 32 : 128;
  const shift = BigInt(bits - outer.prefix);
  return outer.base >> shift === inner.base >> shift;
}

export function parseCidr(text: string): Cidr | null {
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

/**
 * IPv6 ranges that carry an IPv4 address a packet may end up at: IPv4-mapped (::ffff:a.b.c.d), the
 * stateless translation form (::ffff:0:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96 and the
 * local-use 64:ff9b:1::/48) and 6to4 (2002:AABB:CCDD::/16, the address in bits 16–48).
 */
const EMBEDDING: { range: Cidr; at: bigint }[] = [
  { range: v6('::ffff:0:0', 96), at: 0n },
  { range: v6('::ffff:0:0:0', 96), at: 0n },
  { range: v6('64:ff9b::', 96), at: 0n },
  { range: v6('64:ff9b:1::', 48), at: 0n },
  { range: v6('::', 96), at: 0n },
  { range: v6('2002::', 16), at: 80n },
];

function v6(text: string, prefix: number): Cidr {
  return { version: 6, base: ipv6ToBigInt(text), prefix };
}

/**
 * An IP literal as a full-length Cidr. An IPv6 address that embeds an IPv4 one is judged as that IPv4
 * address, so `[64:ff9b::169.254.169.254]` is the metadata address it reaches through NAT64. `::` and
 * `::1` are kept as IPv6 (they sit inside ::/96 but mean "unspecified" and loopback).
 */
export function parseIp(text: string): Cidr | null {
  const version = isIP(text);
  if (version === 4) return { version: 4, base: ipv4ToBigInt(text), prefix: 32 };
  if (version !== 6) return null;
  const value = ipv6ToBigInt(text);
  const address: Cidr = { version: 6, base: value, prefix: 128 };
  if (value <= 1n) return address;
  for (const { range, at } of EMBEDDING)
    if (contains(range, address)) return { version: 4, base: (value >> at) & 0xffffffffn, prefix: 32 };
  return address;
}

function ipv4ToBigInt(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function ipv6ToBigInt(text: string): bigint {
  let groups = text.replace(/%.*$/, '');
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
