// The linter keeps of a plain INSERT ... VALUES only its target (see shrinkInsert), so a data
// file of many thousands of INSERTs does not hold every parse tree while it is checked. The
// findings must be exactly those of whole trees.
import { describe, expect, test } from '@jest/globals';
import { lintMigrations, shrinkInsert, type LintOptions } from '../src/migrate/lint/index.js';
import { splitStatements } from '../src/migrate/sql.js';

const options: LintOptions = { disabled: [], sessionLockTimeout: false, transactionModel: 'per-file', existingTables: new Set(['public.accounts']) };

/** A table created in the set, filled one way, then indexed and altered: whether it holds data decides the findings. */
function filledBy(insert: string): Array<{ path: string; sql: string }> {
  return [
    { path: 'migrations/1_create.sql', sql: 'CREATE TABLE events (id bigint PRIMARY KEY, account_id bigint, kind text);\n' },
    { path: 'migrations/2_fill.sql', sql: `${insert}\n` },
    {
      path: 'migrations/3_change.sql',
      sql: 'CREATE INDEX events_kind_idx ON events (kind);\nALTER TABLE events ADD COLUMN score int NOT NULL DEFAULT 0;\nALTER TABLE events ALTER COLUMN kind SET NOT NULL;\n',
    },
  ];
}

const INSERTS = [
  "INSERT INTO events VALUES (1, 2, 'a'), (2, 3, 'b');",
  "INSERT INTO events (id, kind) VALUES (1, 'a') ON CONFLICT (id) DO NOTHING RETURNING id;",
  'INSERT INTO events SELECT id, id, name FROM accounts;',
  "INSERT INTO events VALUES ((SELECT max(id) FROM accounts), 1, 'x');",
  'WITH recent AS (SELECT id FROM accounts) INSERT INTO events (id) SELECT id FROM recent;',
  "INSERT INTO events VALUES (1, 1, 'x') RETURNING (SELECT count(*) FROM accounts);",
  'INSERT INTO events DEFAULT VALUES;',
];

describe('lint on bulk INSERTs', () => {
  test.each(INSERTS)('findings equal those of whole parse trees: %s', async (insert) => {
    const files = filledBy(insert);
    const shrunk = await lintMigrations(files, options);
    expect(shrunk).toEqual(await lintMigrations(files, { ...options, wholeTrees: true }));
    expect(shrunk.length).toBeGreaterThan(0);
  });

  test('the fill source still counts: filling from an existing table changes the findings, VALUES of constants does not', async () => {
    const fromValues = await lintMigrations(filledBy(INSERTS[0]!), options);
    const fromTable = await lintMigrations(filledBy(INSERTS[2]!), options);
    const fromSubquery = await lintMigrations(filledBy(INSERTS[3]!), options);
    expect(fromTable).not.toEqual(fromValues);
    expect(fromSubquery.map((f) => f.rule)).toEqual(fromTable.map((f) => f.rule));
  });

  test('a plain INSERT ... VALUES keeps its target only; one that names a relation anywhere keeps its whole tree', async () => {
    const [plain, subquery, cte] = await splitStatements(
      "INSERT INTO app.events (id, kind) VALUES (1, 'a'), (2, 'b');\nINSERT INTO events VALUES ((SELECT 1 FROM accounts));\nWITH x AS (SELECT 1) INSERT INTO events SELECT * FROM x;\n",
    );
    expect(shrinkInsert(plain!.node, plain!.kind)).toEqual({
      InsertStmt: { relation: (plain!.node as unknown as { InsertStmt: { relation: unknown } }).InsertStmt.relation },
    });
    expect(JSON.stringify(shrinkInsert(plain!.node, plain!.kind))).toContain('"relname":"events"');
    expect(shrinkInsert(subquery!.node, subquery!.kind)).toBe(subquery!.node);
    expect(shrinkInsert(cte!.node, cte!.kind)).toBe(cte!.node);
  });
});
