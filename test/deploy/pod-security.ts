import { createDefaultMonokleValidator } from '@monokle/validation';
import type { Manifest } from './strict-schema.ts';

/**
 * Pod Security Standards, checked offline by Monokle's own validator (its `pod-security-standards` plugin,
 * every baseline and restricted rule as an error). Its other plugins fetch schemas or policies over the
 * network, so they stay off: the strict schema check covers fields.
 */
const RULES = [
  'host-process',
  'host-namespaces',
  'privileged-containers',
  'capabilities',
  'host-path-volumes',
  'host-ports',
  'app-armor',
  'selinux',
  'proc-mount',
  'seccomp',
  'sysctls',
  'volume-types',
  'privilege-escalation',
  'running-as-non-root',
  'running-as-non-root-user',
  'seccomp-strict',
  'capabilities-strict',
];

export async function restrictedViolations(manifests: readonly Manifest[]): Promise<string[]> {
  const validator = createDefaultMonokleValidator();
  await validator.preload({
    plugins: {
      'pod-security-standards': true,
      'kubernetes-schema': false,
      'open-policy-agent': false,
      'resource-links': false,
      'yaml-syntax': false,
      practices: false,
      metadata: false,
    },
    rules: Object.fromEntries(RULES.map((r) => [`pod-security-standards/${r}`, 'err'])),
  });
  const resources = manifests.map((m, i) => {
    const doc = m.doc as { apiVersion: string; kind: string; metadata?: { name?: string } };
    return {
      id: `${m.source}#${i}`,
      fileId: m.source,
      filePath: m.source,
      fileOffset: 0,
      text: JSON.stringify(doc),
      content: doc,
      apiVersion: doc.apiVersion,
      kind: doc.kind,
      name: doc.metadata?.name ?? '',
    };
  });
  const response = await validator.validate({ resources });
  const out: string[] = [];
  for (const run of response.runs) {
    for (const result of run.results) {
      const where = result.locations?.[1]?.logicalLocations?.[0]?.fullyQualifiedName ?? '';
      out.push(`${result.ruleId} ${result.message.text} (${where})`);
    }
  }
  return out;
}
