/**
 * An aim is a figure with the bar it must clear. The bar is kept as data (op + target), not only as a
 * `met` flag, so that a report folded from several runs can judge the median again instead of guessing.
 */
export type AimOp = '>=' | '>' | '<=' | '<';

export interface Aim {
  value: number | null;
  aim: string;
  met: boolean;
  op?: AimOp;
  target?: number;
}

export function meets(value: number | null, op: AimOp, target: number): boolean {
  if (value === null || !Number.isFinite(value)) return false;
  switch (op) {
    case '>=':
      return value >= target;
    case '>':
      return value > target;
    case '<=':
      return value <= target;
    case '<':
      return value < target;
  }
}

/** `aim(speedup, '>=', 1.8, 'x with two processes')` → `{ value, aim: '>= 1.8x with two processes', met, op, target }`. */
export function aim(value: number | null, op: AimOp, target: number, text: string): Aim {
  return { value, aim: `${op} ${target}${text}`, met: meets(value, op, target), op, target };
}

export function isAim(x: unknown): x is Aim {
  return (
    typeof x === 'object' &&
    x !== null &&
    'aim' in x &&
    'met' in x &&
    'value' in x &&
    typeof (x as Aim).met === 'boolean'
  );
}

/** Every aim in a report, as `section.name` → aim, for `--check`. */
export function collectAims(results: Record<string, unknown>): Array<[string, Aim]> {
  const out: Array<[string, Aim]> = [];
  for (const [section, result] of Object.entries(results)) {
    const aims = (result as { aims?: Record<string, unknown> } | undefined)?.aims;
    if (!aims || typeof aims !== 'object') continue;
    for (const [name, a] of Object.entries(aims)) if (isAim(a)) out.push([`${section}.${name}`, a]);
  }
  return out;
}
