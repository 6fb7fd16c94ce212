// The action layer's shared runtime: inputs from a swappable source, secrets registered
// once, and redaction of text that leaves the runner's log (a pull-request comment).
import { emptyOutputs, inputs, maskSecret, redactSecrets, useInputSource, type Outputs } from '../src/actions/runtime.js';
import { maskUrlPassword } from '../src/actions/provider-inputs.js';

const masked: string[] = [];
const given = new Map<string, string>([
  ['postgres-url', 'postgres://admin:s3cr%40t-pass@db.example.test/app'],
  ['neon-api-key', 'napi_example_key_not_real_0000'],
  ['dry-run', 'TRUE'],
]);

beforeAll(() => {
  useInputSource({ get: (name) => given.get(name) ?? '', mask: (value) => masked.push(value) });
});

test('secret inputs are masked as they are read, each once', () => {
  expect(inputs.secret('neon-api-key')).toBe('napi_example_key_not_real_0000');
  inputs.secret('neon-api-key');
  maskSecret('napi_example_key_not_real_0000');
  expect(masked.filter((value) => value === 'napi_example_key_not_real_0000')).toHaveLength(1);
  expect(inputs.boolean('dry-run', false)).toBe(true);
  expect(inputs.text('template')).toBe('');
});

test('only names an action.yml declares compile (tsc checks each @ts-expect-error is needed)', () => {
  // @ts-expect-error a typo in an input name is a compile error
  expect(inputs.text('wait-timout')).toBe('');
  // @ts-expect-error a typo in an output name is a compile error
  const outputs: Outputs = { 'datbase-url': 'x' };
  expect(outputs).toBeDefined();
  expect(emptyOutputs('migrate')).toEqual({ applied: '', pending: '', 'applied-migrations': '', 'lint-findings': '', report: '', 'report-file': '' });
});

test('a URL is masked whole and its password in both forms', () => {
  maskUrlPassword(inputs.secret('postgres-url'));
  expect(masked).toEqual(expect.arrayContaining(['postgres://admin:s3cr%40t-pass@db.example.test/app', 's3cr%40t-pass', 's3cr@t-pass']));
});

test('redaction replaces every registered secret, the longest first', () => {
  const text = 'failed: postgres://admin:s3cr%40t-pass@db.example.test/app (password s3cr@t-pass, key napi_example_key_not_real_0000)';
  expect(redactSecrets(text)).toBe('failed: *** (password ***, key ***)');
});
