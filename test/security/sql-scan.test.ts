import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * SQL reaches Postgres only through drizzle's query builder or tagged templates (sql`…`, postgres.js
 * client`…`), which send interpolations as parameters. Anything that builds SQL text itself is listed here
 * with the reason it is safe, and must carry a `// sql-allowed: <reason>` comment at the site.
 */
const ALLOWED: { file: string; kind: Finding['kind']; why: string }[] = [];

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SRC = join(ROOT, 'src');

interface Finding {
  file: string;
  line: number;
  kind: 'sql.raw' | 'unsafe' | 'untagged SQL template' | 'concatenated SQL';
  text: string;
}

const STATEMENT = String.raw`(?:select\s+(?:distinct\s+)?(?:\*|[\w."()*]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w."()*]+(?:\s+as\s+\w+)?)*)\s+from\b|insert\s+into|update\s+\S+\s+set|delete\s+from|(?:create|drop|alter)\s+(?:table|database|index|schema|role|user|extension)|truncate\b|grant\b|copy\b)`;

const DETECTORS: { kind: Finding['kind']; pattern: RegExp }[] = [
  { kind: 'sql.raw', pattern: /\bsql\s*\.\s*raw\s*\(/g },
  { kind: 'unsafe', pattern: /\.\s*unsafe\s*\(/g },
  // A template literal with no tag in front (so not sql`…`) that reads like SQL and interpolates.
  {
    kind: 'untagged SQL template',
    pattern: new RegExp(String.raw`(?<![\w$.\)\]])\x60\s*${STATEMENT}[^\x60]*\$\{`, 'gis'),
  },
  // 'select … from ' + value, or … + ' where …'
  { kind: 'concatenated SQL', pattern: new RegExp(String.raw`['"]\s*${STATEMENT}[^'"]*['"]\s*\+`, 'gis') },
  {
    kind: 'concatenated SQL',
    pattern: /\+\s*['"]\s*(?:where|and|or|values|set|order\s+by|limit|from)\s[^'"]*['"]/gi,
  },
];

function findRawSql(file: string, source: string): Finding[] {
  const findings: Finding[] = [];
  for (const { kind, pattern } of DETECTORS) {
    for (const match of source.matchAll(pattern)) {
      const line = source.slice(0, match.index).split('\n').length;
      findings.push({ file, line, kind, text: (source.split('\n')[line - 1] ?? '').trim() });
    }
  }
  return findings;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function justifiedAtSite(source: string, line: number): boolean {
  const lines = source.split('\n');
  return [lines[line - 1], lines[line - 2]].some((l) => /\/\/\s*sql-allowed:\s*\S/.test(l ?? ''));
}

/** Samples are written with #{…} so they read as plain strings here; the scanner sees real ${…}. */
function code(sample: string): string {
  return sample.replaceAll('#{', `${'$'}{`);
}

describe('no hand-built SQL in src/', () => {
  it('the detectors catch each kind of hand-built SQL (so a clean scan means something)', () => {
    const samples = [
      'await db.execute(sql.raw(`select * from t where id = #{id}`));',
      'await client.unsafe(`drop table #{name}`);',
      "const q = `select name from problems where key = '#{key}'`;",
      "const q = 'select * from models where name = ' + name;",
      "const q = base + ' where id = ' + id;",
      'const q = `DELETE FROM results WHERE model_id = #{id}`;',
    ];
    for (const sample of samples.map(code)) expect(findRawSql('sample.ts', sample), sample).not.toEqual([]);
  });

  it('parameterised forms pass: tagged templates and the query builder', () => {
    const samples = [
      'await lockClient`select pg_advisory_lock(#{LOCK})`;',
      'db.select().from(problems).where(sql`#{problems.key} = #{key}`);',
      'const message = `Select a problem from the list, #{name}.`;',
      "const hint = 'Pick one, then ' + action;",
    ];
    for (const sample of samples.map(code)) expect(findRawSql('sample.ts', sample), sample).toEqual([]);
  });

  it('src/ builds no SQL text except where allow-listed with a justification at the site', () => {
    const unexplained: Finding[] = [];
    for (const path of tsFiles(SRC)) {
      const file = relative(ROOT, path);
      const source = readFileSync(path, 'utf8');
      for (const finding of findRawSql(file, source)) {
        const listed = ALLOWED.some((a) => a.file === file && a.kind === finding.kind && a.why.trim() !== '');
        if (!listed || !justifiedAtSite(source, finding.line)) unexplained.push(finding);
      }
    }
    expect(unexplained).toEqual([]);
  });
});
