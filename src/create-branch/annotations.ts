// Apart from the core (which loads the providers), so that reading the inputs stays light.

/** Where the preview came from, for whoever finds it in the provider's console. */
export function previewAnnotations(facts: { repository: string; pullRequest?: number; sha: string; runId: string; serverUrl: string }): Record<string, string> {
  const annotations: Record<string, string> = { 'managed-by': 'preview-db' };
  if (facts.repository) annotations['github-repo'] = facts.repository;
  if (facts.pullRequest) annotations['github-pr-number'] = String(facts.pullRequest);
  if (facts.sha) annotations['github-commit-sha'] = facts.sha;
  if (facts.runId) annotations['github-run-url'] = `${facts.serverUrl}/${facts.repository}/actions/runs/${facts.runId}`;
  return annotations;
}
