import { describe, expect, it } from 'vitest';
import { allChangesMessages } from '../../src/slack/blocks/all-changes.ts';

describe('"Show all" shows each generative output', () => {
  it('escapes hostile text, shortens it, and names the grader', () => {
    const reply = `<!channel> see <http://evil.example|your invoice> & @here ${'blah '.repeat(100)}`;
    const [message] = allChangesMessages({
      model: 'bot@2',
      problem: { key: 'P-1', title: 'Rude replies' },
      baseline: 'bot@1',
      broken: [
        {
          patternId: 7,
          input: 'This is the worst service',
          polarity: 'positive',
          expectation: { judge: { grader: 'toxicity@1', label: 'non_toxic' } },
          prediction: { text: reply, grading: { by: 'toxicity@1' } } as never,
        },
      ],
      fixed: [],
    });
    const text = JSON.stringify(message!.blocks);
    expect(text).toContain(
      'got &lt;!channel&gt; see &lt;http://evil.example|your invoice&gt; &amp; @\u200Bhere blah',
    );
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<http://evil');
    expect(text).toContain('… · graded by `toxicity@1`');
    expect(text).not.toContain('blah '.repeat(30));
  });
});
