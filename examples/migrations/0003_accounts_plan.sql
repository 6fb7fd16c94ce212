-- Pushed later to the same pull request.
SET lock_timeout = '5s';
ALTER TABLE accounts ADD COLUMN plan text NOT NULL DEFAULT 'free';
