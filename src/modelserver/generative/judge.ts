import { tryParseJson } from '../../core/json.ts';
import { INTERNAL_URL, rudePhrases } from './lexicon.ts';

/**
 * A rule-based rubric judge over OpenAI chat. It reads the <rubric>, <input> and <output> sections of Canary's
 * grading prompt and applies every rule the rubric names (by keyword):
 *
 * - "refund"            → the output mentions a refund
 * - "apolog" / "sorry"  → the output apologises
 * - "polite" / "rude"   → the output has none of the rude phrases in lexicon.ts
 * - "internal" / "url" / "link" → the output has no *.internal / *.corp / *.local URL
 * - "json"              → the output parses as JSON
 *
 * A rubric naming none of these gets a plain-text answer ("I cannot grade this rubric."), which Canary must
 * record as errored: it is how tests exercise an unparseable grader.
 */
export function judgeReply(prompt: string): string {
  const rubric = section(prompt, 'rubric');
  const output = section(prompt, 'output');
  if (rubric === undefined || output === undefined) return 'I need a <rubric> and an <output> to grade.';
  const r = rubric.toLowerCase();
  const failures: string[] = [];
  let rules = 0;
  if (r.includes('refund')) {
    rules++;
    if (!/refund/i.test(output)) failures.push('it does not offer a refund');
  }
  if (r.includes('apolog') || r.includes('sorry')) {
    rules++;
    if (!/sorry|apologi[sz]e/i.test(output)) failures.push('it does not apologise');
  }
  if (r.includes('polite') || r.includes('rude')) {
    rules++;
    const rude = rudePhrases(output);
    if (rude.length > 0) failures.push(`it is rude ("${rude[0]}")`);
  }
  if (r.includes('internal') || r.includes('url') || r.includes('link')) {
    rules++;
    if (INTERNAL_URL.test(output)) failures.push('it shows an internal URL');
  }
  if (r.includes('json')) {
    rules++;
    if (!tryParseJson(output.trim()).ok) failures.push('it is not valid JSON');
  }
  if (rules === 0) return 'I cannot grade this rubric.';
  const pass = failures.length === 0;
  return JSON.stringify({
    pass,
    reason: pass ? `meets all ${rules} rule(s) of the rubric` : `${failures.join('; ')}`,
  });
}

function section(prompt: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>\\n([\\s\\S]*?)\\n</${name}>`).exec(prompt);
  return m?.[1];
}
