import { type Cidr, contains, normaliseHost, parseCidr, parseIp } from './ip.ts';

export type UrlCheck = { ok: true } | { ok: false; error: string };

/** What may be reached besides the public internet and private networks (see the README's "Model endpoints"). */
export interface EndpointPolicy {
  /** CANARY_ENDPOINT_ALLOWLIST entries: exact hosts, `*.suffix`, IPs and CIDRs. */
  allowlist: readonly string[];
  /** Hosts of Canary's own Postgres and Redis: refused unless an allowlist entry names them. */
  protectedHosts?: readonly string[];
}

const cidrs = (list: string[]) => list.map((c) => parseCidr(c) as Cidr);

/**
 * Link-local (where every cloud's metadata service lives) and the metadata addresses outside it: Alibaba
 * 100.100.100.200, Oracle 192.0.0.192, AWS IPv6 fd00:ec2::254. Refused always, whatever the allowlist says:
 * nothing a model endpoint needs lives there, and credentials do.
 */
const METADATA_CIDRS = cidrs([
  '169.254.0.0/16',
  '100.100.100.200/32',
  '192.0.0.192/32',
  'fe80::/10',
  'fd00:ec2::254/128',
]);
const METADATA_HOSTS = [
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
];

/** This machine: 0.0.0.0 and :: connect to it too on Linux. Refused unless allow-listed explicitly. */
const LOOPBACK_CIDRS = cidrs(['127.0.0.0/8', '0.0.0.0/8', '::1/128', '::/128']);

const METADATA_REFUSAL = 'a link-local or cloud metadata address and is refused';

function isMetadataName(host: string): boolean {
  return METADATA_HOSTS.some((h) => host === h || host.endsWith(`.${h}`));
}

function isLoopbackName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

const inAny = (ranges: readonly Cidr[], ip: Cidr) => ranges.some((r) => contains(r, ip));

function entriesOf(policy: EndpointPolicy): string[] {
  return policy.allowlist.map((e) => e.trim().toLowerCase()).filter(Boolean);
}

function protectedOf(policy: EndpointPolicy): string[] {
  return (policy.protectedHosts ?? []).map(normaliseHost).filter(Boolean);
}

/**
 * Is Canary allowed to send pattern inputs to this URL, judged by the URL as written (registration and
 * adapter creation)? Only http(s), no credentials; metadata names and addresses never; loopback and
 * Canary's own database and Redis hosts only when an entry names them explicitly; with a non-empty
 * allowlist the host must match an entry. Names are judged again by the address they resolve to when a
 * connection is made (checkConnectedAddress), which is what stops rebinding and `*.nip.io`-style names.
 */
export function checkEndpointUrl(url: string, rules: EndpointPolicy): UrlCheck {
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
  const entries = entriesOf(rules);

  if (isMetadataName(host) || (ip && inAny(METADATA_CIDRS, ip)))
    return { ok: false, error: `endpoint host ${host} is ${METADATA_REFUSAL}` };
  const internal = internalKind(host, ip, rules);
  if (internal && !entries.some((e) => explicitlyAllows(e, host, ip, internal.ranges)))
    return { ok: false, error: internalRefusal(host, internal.what) };
  if (entries.length > 0 && !entries.some((e) => matches(e, host, ip)))
    return { ok: false, error: `endpoint host ${host} is not in the endpoint allowlist` };
  return { ok: true };
}

/**
 * The check at connect time, on the address a name actually resolved to (or the IP literal): metadata and
 * link-local always refused; loopback and the addresses of Canary's own database and Redis refused unless
 * the allowlist names the host or the address explicitly. Returns the refusal sentence, or null.
 */
export function checkConnectedAddress(
  hostname: string,
  address: string,
  policy: EndpointPolicy,
  protectedAddresses: readonly string[] = [],
): string | null {
  const host = normaliseHost(hostname);
  const ip = parseIp(normaliseHost(address));
  if (!ip) return `endpoint host ${host} resolved to ${address}, which is not an IP address`;
  const shown = host === normaliseHost(address) ? host : `${host} (${address})`;
  if (inAny(METADATA_CIDRS, ip)) return `endpoint host ${shown} is ${METADATA_REFUSAL}`;
  const entries = entriesOf(policy);
  if (inAny(LOOPBACK_CIDRS, ip) && !entries.some((e) => explicitlyAllows(e, host, ip, LOOPBACK_CIDRS)))
    return internalRefusal(shown, 'a loopback address');
  const own = protectedAddresses.map(parseIp).filter((p): p is Cidr => p !== null);
  if (inAny(own, ip) && !entries.some((e) => explicitlyAllows(e, host, ip, own)))
    return internalRefusal(shown, "the address of Canary's own database or Redis");
  return null;
}

function internalKind(
  host: string,
  ip: Cidr | null,
  policy: EndpointPolicy,
): { what: string; ranges: readonly Cidr[] } | null {
  if (isLoopbackName(host) || (ip && inAny(LOOPBACK_CIDRS, ip)))
    return { what: 'a loopback address', ranges: LOOPBACK_CIDRS };
  if (protectedOf(policy).includes(host))
    return { what: "the host of Canary's own database or Redis", ranges: ip ? [ip] : [] };
  return null;
}

function internalRefusal(host: string, what: string): string {
  return `endpoint host ${host} is ${what}; it is refused unless CANARY_ENDPOINT_ALLOWLIST names it explicitly`;
}

function matches(entry: string, host: string, ip: Cidr | null): boolean {
  if (entry.startsWith('*.')) return host.endsWith(entry.slice(1)) && host.length > entry.length - 1;
  const cidr = parseCidr(entry);
  if (cidr) return ip !== null && contains(cidr, ip);
  return normaliseHost(entry) === host;
}

/** An exact host, or an address / CIDR lying entirely inside the refused ranges (so `0.0.0.0/0` does not count). */
function explicitlyAllows(entry: string, host: string, ip: Cidr | null, ranges: readonly Cidr[]): boolean {
  if (entry.startsWith('*.')) return false;
  const cidr = parseCidr(entry);
  if (!cidr) return normaliseHost(entry) === host;
  return ip !== null && contains(cidr, ip) && ranges.some((r) => contains(r, cidr));
}
