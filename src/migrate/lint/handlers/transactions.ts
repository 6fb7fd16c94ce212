// Rules on transactions and timeouts: BEGIN and COMMIT against the tool's own transaction, and
// whether lock_timeout is set before the first statement that locks an existing table.
import type { Walker } from '../walker.js';
import type { Node, VariableSetStmt } from 'libpg-query';
import { inner, strings, constantText } from '../tree.js';

export function requireLockTimeout(w: Walker): void {
  if (w.settings.sessionLockTimeout || w.lockTimeout !== 'none' || w.lockTimeoutReported) return;
  w.lockTimeoutReported = true;
  w.report(
    'require-timeout-settings',
    'Missing `SET lock_timeout` before the first statement that locks an existing table: if the lock is not granted at once, it waits behind running queries and every later query on the table waits behind it.',
  );
}

export function transactionStatement(w: Walker, kind: string): void {
  switch (kind) {
    case 'TRANS_STMT_BEGIN':
    case 'TRANS_STMT_START':
      if (w.explicitBegin)
        w.report('transaction-nesting', 'BEGIN inside a transaction that is already open: Postgres ignores it with a warning, and the first COMMIT ends both.');
      else if (w.toolTransaction)
        w.report(
          'transaction-nesting',
          "BEGIN in a file that the migration tool already runs inside a transaction: its COMMIT will end the tool's transaction early.",
        );
      if (!w.explicitBegin) {
        w.explicitBegin = w.statement;
        if (!w.toolTransaction) w.transaction = w.nextTransaction();
      }
      break;
    case 'TRANS_STMT_COMMIT':
    case 'TRANS_STMT_ROLLBACK':
      if (!w.explicitBegin && w.toolTransaction) {
        w.report(
          'transaction-nesting',
          `${kind === 'TRANS_STMT_COMMIT' ? 'COMMIT' : 'ROLLBACK'} ends the transaction the migration tool wraps around this file: later statements run outside it and a failure can no longer roll the file back.`,
        );
      }
      w.explicitBegin = undefined;
      if (w.lockTimeout === 'transaction') w.lockTimeout = 'none';
      w.transaction = w.nextTransaction();
      break;
    default:
      break;
  }
}

export function variableSet(w: Walker, set: VariableSetStmt): void {
  if (set.kind === 'VAR_RESET_ALL') {
    w.lockTimeout = 'none';
    return;
  }
  if ((set.name ?? '').toLowerCase() !== 'lock_timeout') return;
  if (set.kind !== 'VAR_SET_VALUE') {
    w.lockTimeout = 'none';
    return;
  }
  applyLockTimeout(w, constantText(set.args?.[0]), set.is_local === true);
}

/** `SELECT set_config('lock_timeout', '2s', is_local)` counts like SET. */
export function setConfig(w: Walker, targets: Node[] | undefined): void {
  for (const target of targets ?? []) {
    const call = inner<{ funcname?: Node[]; args?: Node[] }>(inner<{ val?: Node }>(target, 'ResTarget')?.val, 'FuncCall');
    if (strings(call?.funcname).at(-1)?.toLowerCase() !== 'set_config') continue;
    const [name, value, local] = call?.args ?? [];
    if (constantText(name)?.toLowerCase() !== 'lock_timeout') continue;
    applyLockTimeout(w, constantText(value), inner<{ boolval?: { boolval?: boolean } }>(local, 'A_Const')?.boolval?.boolval === true);
  }
}

export function applyLockTimeout(w: Walker, value: string | undefined, local: boolean): void {
  const disabled = value === undefined || /^\s*0+\s*(ms|s|min|h|d)?\s*$/i.test(value);
  if (disabled) w.lockTimeout = 'none';
  else if (!local) w.lockTimeout = 'session';
  // SET LOCAL outside a transaction block has no effect (Postgres only warns).
  else if (w.inTransaction) w.lockTimeout = w.lockTimeout === 'session' ? 'session' : 'transaction';
}
