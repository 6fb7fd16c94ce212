// The current git branch: the default name of the developer's database.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { UsageError } from './errors.js';

const run = promisify(execFile);

export async function currentGitBranch(cwd: string): Promise<string> {
  let branch: string;
  try {
    // An argument array, never a shell: the branch name is untrusted text.
    // symbolic-ref also knows the branch of a repository without commits yet.
    const { stdout } = await run('git', ['symbolic-ref', '--short', '-q', 'HEAD'], { cwd, timeout: 10_000 });
    branch = stdout.trim();
  } catch (error) {
    if ((error as { code?: unknown }).code === 1) branch = '';
    else
      throw new UsageError(
        'no name given, and this is not a git repository to take the current branch from. Name the database, e.g. `preview-db create my-feature`.',
      );
  }
  if (!branch)
    throw new UsageError('no name given, and git is on a detached HEAD (no current branch). Name the database, e.g. `preview-db create my-feature`.');
  return branch;
}
