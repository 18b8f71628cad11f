#include <sqlite3.h>
#include "sqlite_options.h"

int pf_sqlite_checkpoint_on_close(void *connection, int checkpoint) {
  return sqlite3_db_config((sqlite3 *)connection, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, checkpoint ? 0 : 1, (int *)0);
}
