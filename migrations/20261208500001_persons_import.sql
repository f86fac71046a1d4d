-- The registry import copies a file here (COPY, streamed) and upserts persons from it in one
-- statement, so a million persons import in one transaction without the client holding them.
-- Unlogged: its rows live only inside an import's transaction, which empties it under a lock.
CREATE UNLOGGED TABLE persons_import (
    line        BIGINT NOT NULL,
    iin         TEXT NOT NULL,
    last_name   TEXT NOT NULL,
    first_name  TEXT NOT NULL,
    patronymic  TEXT
);
