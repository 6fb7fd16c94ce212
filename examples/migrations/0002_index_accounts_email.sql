-- The pull request's first change: an index built the blocking way. Lint flags it
-- (require-concurrent-index-creation), and the preview measures how long it blocks writes.
CREATE INDEX accounts_email_idx ON accounts (email);
