/* The retry rule after a lost connection (db_retry_safe, db.h): a statement that reached
 * the server is run again only when it only reads, so a write whose answer was lost is
 * never applied twice. */
#include "config.h"

#include "usher/db.h"
#include "tap.h"

#include <stdbool.h>

int main(void)
{
    static const char *const reads[] = {
        "SELECT COUNT(*) FROM `user`", "select 1", "  SELECT x FROM t", "(SELECT 1)",
        "SHOW TABLES",
    };
    static const char *const writes[] = {
        "INSERT INTO signin_attempt (email_key, bucket, attempts) VALUES (?, ?, 1) "
        "ON DUPLICATE KEY UPDATE attempts = attempts + 1",
        "UPDATE `user` SET last_active_at = ? WHERE id = ?", "DELETE FROM api_key WHERE id = ?",
        "REPLACE INTO config VALUES (?)", "  insert into t values (1)", "CALL p()",
    };
    for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
        ok(db_retry_safe(reads[i], true), "a read that reached the server is retried: %s",
           reads[i]);
        ok(db_retry_safe(reads[i], false), "a read never sent is retried: %s", reads[i]);
    }
    for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
        ok(!db_retry_safe(writes[i], true), "a write that reached the server is not retried: %.40s",
           writes[i]);
        ok(db_retry_safe(writes[i], false), "a write never sent is retried: %.40s", writes[i]);
    }
    return tap_done();
}
