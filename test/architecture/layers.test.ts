import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The shape of src/ as docs/architecture.md draws it, checked against the imports the TypeScript compiler
 * reads. A unit is a folder of src/ (or a loose file there); each has a layer, and a unit may import only
 * units of a LOWER layer: nothing sideways, nothing up. KNOWN_DEBT lists the imports that break this
 * today, file by file, so the list can only shrink: a listed import that is gone fails the test too,
 * saying which line to delete.
 */

const ROOT = resolve(import.meta.dirname, '../..');

/** Lower numbers are lower layers. Units on one layer may not import each other. */
const LAYERS: Record<string, number> = {
  'src/core': 0, // pure: the vocabulary and the maths
  'src/config.ts': 1,
  'src/logger.ts': 1,
  'src/db': 2, // adapters: Postgres, model endpoints, chart rendering, metrics
  'src/endpoints': 2,
  'src/charts': 2,
  'src/observability': 2,
  'src/shutdown.ts': 2,
  'src/modelserver': 2,
  'src/grading': 3, // graders and embedders called for judge / similar checks
  'src/services': 4, // use cases, the evaluation lifecycle among them
  'src/queue': 5, // what drives the use cases: the job catalog and handler map, Slack, REST
  'src/slack': 5,
  'src/http': 5,
  'src/notify': 6, // views → Slack posts, run by notify jobs
  'src/compose.ts': 7, // the composition root
  'src/app.ts': 8,
  'src/cli': 9, // entry points
  'src/demo': 9,
  'src/main.ts': 9,
  workers: 9,
};

/** The composition root may import anything, notify/ included. */
const COMPOSITION_ROOT = ['src/app.ts', 'src/compose.ts'];

/**
 * Imports that break the layering today, to be deleted as later work removes them. Empty: issue 11's knot
 * (services ⇄ notify ⇄ slack, the CLI reaching into http/) is untied. Keep it that way.
 */
const KNOWN_DEBT: string[] = [];

/** drizzle-orm outside src/db/: none; every statement is a named query in src/db/queries/. */
const DRIZZLE_DEBT: string[] = [];

interface Import {
  from: string;
  to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

function resolveRelative(from: string, specifier: string): string | null {
  const base = resolve(ROOT, dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && candidate.endsWith('.ts')) return relative(ROOT, candidate);
  }
  return null;
}

/** Every static import, re-export and dynamic import() of a file, as the compiler's pre-processor reads them. */
function importsOf(file: string): { files: string[]; packages: string[] } {
  const info = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
  const files: string[] = [];
  const packages: string[] = [];
  for (const { fileName } of info.importedFiles) {
    if (fileName.startsWith('.')) {
      const target = resolveRelative(file, fileName);
      if (target) files.push(target);
    } else {
      packages.push(fileName);
    }
  }
  return { files, packages };
}

function unitOf(file: string): string {
  const match = Object.keys(LAYERS)
    .filter((unit) => file === unit || file.startsWith(`${unit}/`))
    .sort((a, b) => b.length - a.length)[0];
  if (!match) throw new Error(`${file} is in no unit: give its folder a layer in LAYERS`);
  return match;
}

const files = [...sourceFiles('src'), ...sourceFiles('workers')];
const graph = new Map(files.map((f) => [f, importsOf(f)]));
const imports: Import[] = files.flatMap((from) => (graph.get(from)?.files ?? []).map((to) => ({ from, to })));
const crossUnit = imports.filter(({ from, to }) => unitOf(from) !== unitOf(to));
const key = ({ from, to }: Import) => `${from} -> ${to}`;
const debt = new Set(KNOWN_DEBT);

function breaksLayering({ from, to }: Import): boolean {
  if (COMPOSITION_ROOT.includes(unitOf(from))) return false;
  const [a, b] = [LAYERS[unitOf(from)] as number, LAYERS[unitOf(to)] as number];
  if (a <= b) return true;
  // Edges call services; they never call each other.
  return unitOf(from) === 'src/cli' && unitOf(to) === 'src/http';
}

/** notify/ is a leaf: what it posts is assembled in services, and only the composition root starts it. */
function reachesIntoNotify({ from, to }: Import): boolean {
  return (
    unitOf(to) === 'src/notify' && unitOf(from) !== 'src/notify' && !COMPOSITION_ROOT.includes(unitOf(from))
  );
}

const violates = (e: Import) => breaksLayering(e) || reachesIntoNotify(e);

/** Folder-level cycles (strongly connected components of more than one unit), Tarjan's algorithm. */
function unitCycles(edges: readonly Import[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const e of edges) {
    const [a, b] = [unitOf(e.from), unitOf(e.to)];
    if (!next.has(a)) next.set(a, new Set());
    next.get(a)?.add(b);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v) as number);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const unit of Object.keys(LAYERS)) if (!index.has(unit)) visit(unit);
  return cycles;
}

describe('architecture', () => {
  it('reads the imports it checks', () => {
    // A reader that found nothing would pass every rule below.
    expect(files.length).toBeGreaterThan(100);
    expect(crossUnit.length).toBeGreaterThan(200);
    expect(crossUnit.map(key)).toContain('src/services/gate.ts -> src/core/gate.ts');
  });

  it('has no import from a lower layer to a higher one, or sideways, beyond the known debt', () => {
    const broken = crossUnit.filter(breaksLayering).map(key);
    expect(broken.filter((k) => !debt.has(k))).toEqual([]);
  });

  it('lists only debt that still exists (delete a line once its import is gone)', () => {
    const broken = new Set(crossUnit.filter(violates).map(key));
    expect(KNOWN_DEBT.filter((k) => !broken.has(k))).toEqual([]);
  });

  it('has no import cycle between folders once the known debt is set aside', () => {
    expect(unitCycles(crossUnit.filter((e) => !debt.has(key(e))))).toEqual([]);
  });

  it('has no import cycle between folders at all', () => {
    expect(unitCycles(crossUnit)).toEqual([]);
  });

  it('lets only the composition root import notify/, beyond the known debt', () => {
    const importers = crossUnit.filter(reachesIntoNotify).map(key);
    expect(importers.filter((k) => !debt.has(k))).toEqual([]);
  });

  it('keeps drizzle-orm inside src/db/', () => {
    const users = files.filter((f) =>
      (graph.get(f)?.packages ?? []).some((p) => p === 'drizzle-orm' || p.startsWith('drizzle-orm/')),
    );
    expect(users.filter((f) => !f.startsWith('src/db/'))).toEqual(DRIZZLE_DEBT);
  });

  it('keeps core pure: only pure-computation packages (CSV parser, JSON Schema, RE2), no Node built-in, nothing of src/ outside core', () => {
    const core = files.filter((f) => unitOf(f) === 'src/core');
    const packages = [...new Set(core.flatMap((f) => graph.get(f)?.packages ?? []))].sort();
    expect(packages).toEqual(['ajv/dist/2020.js', 'csv-parse/sync', 're2js']);
  });

  it('has no core/types.ts grab-bag: types live beside the logic they describe', () => {
    expect(files).not.toContain('src/core/types.ts');
  });
});
