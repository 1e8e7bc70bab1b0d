/* db.host as a list of hosts (config_db_hosts, config.h) and the retry rule of a causal
 * read (SET STATEMENT ... FOR SELECT counts as the SELECT it wraps, db_retry_safe). */
#include "config.h"

#include "usher/config.h"
#include "usher/db.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

int main(void)
{
    struct config_db_host h[CONFIG_DB_HOSTS_MAX];
    char why[256];

    ok(config_db_hosts("db1", 3306, h, 16, why, sizeof why) == 1, "one host");
    ok(strcmp(h[0].host, "db1") == 0 && h[0].port == 3306, "without a port: the default");
    ok(config_db_hosts("10.0.0.1:3307, db2 ,[::1]:3308,db4:1", 3306, h, 16, why, sizeof why) == 4,
       "four hosts, blanks around entries");
    ok(strcmp(h[0].host, "10.0.0.1") == 0 && h[0].port == 3307, "host:port");
    ok(strcmp(h[1].host, "db2") == 0 && h[1].port == 3306, "blanks trimmed, default port");
    ok(strcmp(h[2].host, "::1") == 0 && h[2].port == 3308, "[IPv6]:port");
    ok(h[3].port == 1, "port 1");
    ok(config_db_hosts("a:1,b:2", 3306, NULL, 0, why, sizeof why) == 2, "count only");

    static const char *const bad[] = {
        "", "a,", ",a", "a,,b", "a:", "a:0", "a:65536", "a:12x", "a:-1", "[::1", "[::1]x",
        "a b", ":3306",
        "h1,h2,h3,h4,h5,h6,h7,h8,h9,h10,h11,h12,h13,h14,h15,h16,h17",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = '\0';
        ok(config_db_hosts(bad[i], 3306, h, 16, why, sizeof why) == -1 && why[0],
           "refused with a reason: '%.30s' (%s)", bad[i], why);
    }

    /* a config file: db.host checked as it is read */
    char err[512];
    struct usher_config cfg;
    setenv("USHER_DB_HOST", "db1:3306,db2:3306", 1);
    ok(config_load(NULL, &cfg, err, sizeof err) == 0 && strcmp(cfg.db_host, "db1:3306,db2:3306") == 0,
       "USHER_DB_HOST with a list is accepted");
    config_free(&cfg);
    setenv("USHER_DB_HOST", "db1:3306,,db2", 1);
    ok(config_load(NULL, &cfg, err, sizeof err) != 0 && strstr(err, "USHER_DB_HOST"),
       "a bad list is refused, naming the key: %s", err);
    config_free(&cfg);   /* a failed load leaves what it had set for config_free */
    unsetenv("USHER_DB_HOST");

    ok(db_retry_safe("SET STATEMENT wsrep_sync_wait = 1 FOR SELECT 1", true),
       "a causal read that reached the server is retried");
    ok(!db_retry_safe("SET STATEMENT max_statement_time = 1 FOR UPDATE t SET a = 1", true),
       "a wrapped write is not");
    return tap_done();
}
