#ifndef POLICYFLOW_SQLITE_OPTIONS_H
#define POLICYFLOW_SQLITE_OPTIONS_H

/*
 * sqlite3_db_config(connection, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, !checkpoint, NULL), which Swift cannot call itself
 * because sqlite3_db_config is variadic. The connection is GRDB's `sqliteConnection` (an `sqlite3 *`), passed
 * untyped so that this header needs no sqlite3.h of its own beside GRDB's.
 *
 * Why: when the last connection to a database in WAL mode closes, SQLite checkpoints the log into the database and
 * deletes it, with four fdatasync calls (about 3.7 ms of a 35-40 ms command on this machine, measured with
 * strace -T) - paid by every policyflow command that wrote, while `git commit` syncs nothing. Store.swift decides
 * when a command leaves the log for the next one instead.
 *
 * Returns SQLite's result code (0, SQLITE_OK, on success).
 */
int pf_sqlite_checkpoint_on_close(void *connection, int checkpoint);

#endif
