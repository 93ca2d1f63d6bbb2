import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { checkConnectedAddress, type EndpointPolicy } from './allowlist.ts';

/** Raised inside the socket's lookup; the transport reports it as a refusal, not a connection error. */
export class RefusedAddressError extends Error {
  readonly code = 'ENDPOINT_REFUSED';
}

export interface AddressGuard {
  /** For IP-literal hosts, which never go through a lookup: the refusal sentence, or null. */
  checkLiteral(host: string): Promise<string | null>;
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
export function createAddressGuard(policy: EndpointPolicy, resolve = dns.lookup): AddressGuard {
  let own: { at: number; addresses: Promise<string[]> } | undefined;
  const protectedAddresses = (): Promise<string[]> => {
    if (!own || Date.now() - own.at > PROTECTED_TTL_MS)
      own = { at: Date.now(), addresses: resolveAll(policy.protectedHosts ?? [], resolve) };
    return own.addresses;
  };

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
    async checkLiteral(host) {
      const bare = host.startsWith('[') ? host.slice(1, -1) : host;
      if (isIP(bare) === 0) return null;
      return checkConnectedAddress(bare, bare, policy, await protectedAddresses());
    },
  };
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
