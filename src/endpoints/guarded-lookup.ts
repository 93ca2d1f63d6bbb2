import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { checkConnectedAddress, type EndpointPolicy } from './allowlist.ts';

/** Raised inside the socket's lookup; the transport reports it as a refusal, not a connection error. */
export class RefusedAddressError extends Error {
  readonly code = 'ENDPOINT_REFUSED';
}

export interface AddressGuard {
  /**
   * For IP-literal hosts, which never go through a lookup: the refusal sentence, or null. Synchronous when
   * the answer is already known: a host that is not an IP literal, or one judged against the protected
   * addresses that are still current (within their TTL); a Promise otherwise.
   */
  checkLiteral(host: string): string | null | Promise<string | null>;
  /** A dns.lookup that refuses names resolving to metadata, loopback or Canary's own hosts. */
  lookup: LookupFunction;
}

const PROTECTED_TTL_MS = 60_000;

/**
 * The check that counts is on the address the socket connects to, so it lives in the agent's lookup: a
 * name that resolves to 169.254.169.254 (`169.254.169.254.nip.io`, a rebinding DNS server, an
 * /etc/hosts entry) is refused there, after resolution and before any byte is sent. Every address a name
 * resolves to must pass, so a record mixing a public and a metadata address cannot slip through.
 */
export function createAddressGuard(
  policy: EndpointPolicy,
  resolve = dns.lookup,
  now: () => number = Date.now,
): AddressGuard {
  let own: ProtectedSet | undefined;
  const current = (): ProtectedSet => {
    const t = now();
    if (!own || t - own.at > PROTECTED_TTL_MS) {
      const set: ProtectedSet = {
        at: t,
        addresses: resolveAll(policy.protectedHosts ?? [], resolve),
        verdicts: new Map(),
      };
      set.addresses.then(
        (list) => {
          set.resolved = list;
        },
        // A failed resolution reaches whoever awaits `addresses`; this copy only has to not go unhandled.
        () => {},
      );
      own = set;
    }
    return own;
  };
  const protectedAddresses = (): Promise<string[]> => current().addresses;

  const lookup: LookupFunction = (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as unknown as dns.LookupAddress[];
      protectedAddresses().then(
        (ownAddresses) => {
          for (const a of list) {
            const refusal = checkConnectedAddress(hostname, a.address, policy, ownAddresses);
            if (refusal) return callback(new RefusedAddressError(refusal), '', 0);
          }
          const first = list[0];
          if (!first)
            return callback(
              Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }),
              '',
              0,
            );
          if (options.all)
            return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
          callback(null, first.address, first.family);
        },
        (e: unknown) => callback(e as NodeJS.ErrnoException, '', 0),
      );
    });
  };

  return {
    lookup,
    checkLiteral(host) {
      // An evaluation asks this once per request for the same host: the verdict is a pure function of the
      // host, the (fixed) policy and the protected addresses, so it is kept with the address set it was
      // judged against and dies with it when the TTL sends the protected hosts to be resolved again.
      const set = current();
      const known = set.verdicts.get(host);
      if (known !== undefined) return known;
      const bare = host.startsWith('[') ? host.slice(1, -1) : host;
      if (isIP(bare) === 0) return remember(set, host, null);
      if (set.resolved) return remember(set, host, checkConnectedAddress(bare, bare, policy, set.resolved));
      return set.addresses.then((list) => checkConnectedAddress(bare, bare, policy, list));
    },
  };
}

/** One resolution of the protected hosts and the literal verdicts judged against it. */
interface ProtectedSet {
  at: number;
  addresses: Promise<string[]>;
  /** The same list once the promise has settled, so a known verdict can be answered synchronously. */
  resolved?: string[];
  verdicts: Map<string, string | null>;
}

/** Far more hosts than an adapter ever posts to; a transport used with arbitrary URLs cannot grow it unbounded. */
const MAX_VERDICTS = 256;

function remember(set: ProtectedSet, host: string, verdict: string | null): string | null {
  if (set.verdicts.size >= MAX_VERDICTS) set.verdicts.clear();
  set.verdicts.set(host, verdict);
  return verdict;
}

async function resolveAll(hosts: readonly string[], resolve: typeof dns.lookup): Promise<string[]> {
  const found = await Promise.all(
    hosts.map(
      (host) =>
        new Promise<string[]>((done) => {
          if (isIP(host)) return done([host]);
          // A database host that does not resolve from here cannot be reached through it either.
          resolve(host, { all: true }, (err, addresses) =>
            done(err ? [] : (addresses as unknown as dns.LookupAddress[]).map((a) => a.address)),
          );
        }),
    ),
  );
  return found.flat();
}
