import { describe, expect, test } from '@jest/globals';
import { codeBlock, codeSpan, details, escapeHtml, escapeTableCell, table, truncateMarkdown } from '../src/shared/markdown.js';
import { awsConsoleHost, neonBranchUrl, neonProjectUrl, pullRequestUrl, rdsDatabaseUrl, rdsSnapshotUrl, workflowRunUrl } from '../src/github/console-links.js';

describe('markdown', () => {
  test.each([
    ['a|b', 'a\\|b'],
    ['line1\nline2', 'line1<br>line2'],
    ['a\r\nb', 'a<br>b'],
    ['back\\slash|', 'back\\slash\\|'],
    ['`a|b`', '`a\\|b`'],
    [undefined, ''],
    [42, '42'],
  ])('escapeTableCell(%j)', (input, expected) => expect(escapeTableCell(input)).toBe(expected));

  test('table escapes cells, pads short rows and aligns', () => {
    expect(table(['Migration', 'Time'], [['001|init.sql', '1.2 s'], ['002\nnext']], { align: [undefined, 'right'] })).toBe(
      ['| Migration | Time |', '| --- | ---: |', '| 001\\|init.sql | 1.2 s |', '| 002<br>next |  |'].join('\n'),
    );
    expect(() => table([], [])).toThrow();
  });

  test.each([
    ['plain', '`plain`'],
    ['a `tick`', '`` a `tick` ``'],
    ['`start', '`` `start ``'],
    ['x ``` y', '````x ``` y````'],
    ['two\nlines', '`two lines`'],
    ['', '` `'],
  ])('codeSpan(%j)', (input, expected) => expect(codeSpan(input)).toBe(expected));

  test('codeBlock uses a fence longer than any inside', () => {
    expect(codeBlock('SELECT 1;\n', 'sql')).toBe('```sql\nSELECT 1;\n```');
    expect(codeBlock('has ``` inside')).toBe('````\nhas ``` inside\n````');
  });

  test('details renders Markdown inside and escapes the summary', () => {
    expect(details('Locks <2>', '| a |', { open: true })).toBe('<details open>\n<summary>Locks &lt;2&gt;</summary>\n\n| a |\n\n</details>');
    expect(escapeHtml('"&"')).toBe('&quot;&amp;&quot;');
  });

  test('truncateMarkdown keeps short text and shortens long text under the limit with a note', () => {
    expect(truncateMarkdown('short', 100)).toEqual({ text: 'short', truncated: false });
    const long = `intro\n<details>\n<summary>s</summary>\n\n\`\`\`\n${'row\n'.repeat(500)}`;
    const { text, truncated } = truncateMarkdown(long, 1000);
    expect(truncated).toBe(true);
    expect(text.length).toBeLessThanOrEqual(1000);
    expect(text).toMatch(/shortened: it had 2,042 characters, more than the 1,000 allowed/);
    expect(text).toMatch(/```\n<\/details>\n\n_This text/);
  });

  test('truncateMarkdown never splits a surrogate pair', () => {
    const { text } = truncateMarkdown('😀'.repeat(600), 500, () => 'cut');
    expect(text.length).toBeLessThanOrEqual(500);
    expect(text).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});

describe('console links', () => {
  test('Neon', () => {
    expect(neonBranchUrl('bold-sun-123456', 'br-cool-name-a1b2c3')).toBe('https://console.neon.tech/app/projects/bold-sun-123456/branches/br-cool-name-a1b2c3');
    expect(neonProjectUrl('bold-sun-123456')).toBe('https://console.neon.tech/app/projects/bold-sun-123456');
  });

  test('RDS by region and partition', () => {
    expect(rdsSnapshotUrl('eu-west-1', 'pre-deploy-20260101-000000-abc1234-1-1')).toBe(
      'https://eu-west-1.console.aws.amazon.com/rds/home?region=eu-west-1#db-snapshot:id=pre-deploy-20260101-000000-abc1234-1-1',
    );
    expect(rdsSnapshotUrl('us-east-1', 'snap', 'cluster')).toBe(
      'https://us-east-1.console.aws.amazon.com/rds/home?region=us-east-1#db-cluster-snapshot:id=snap',
    );
    expect(rdsDatabaseUrl('us-east-1', 'prod', 'cluster')).toBe(
      'https://us-east-1.console.aws.amazon.com/rds/home?region=us-east-1#database:id=prod;is-cluster=true',
    );
    expect(awsConsoleHost('cn-north-1')).toBe('https://cn-north-1.console.amazonaws.cn');
    expect(awsConsoleHost('us-gov-west-1')).toBe('https://us-gov-west-1.console.amazonaws-us-gov.com');
    expect(() => awsConsoleHost('not a region')).toThrow(/not an AWS region/);
  });

  test('GitHub', () => {
    expect(pullRequestUrl('https://github.com/', 'example-org/app', 7)).toBe('https://github.com/example-org/app/pull/7');
    expect(workflowRunUrl('https://github.com', 'example-org/app', 123)).toBe('https://github.com/example-org/app/actions/runs/123');
    expect(workflowRunUrl('https://github.com', 'example-org/app', 123, '2')).toBe('https://github.com/example-org/app/actions/runs/123/attempts/2');
  });
});
