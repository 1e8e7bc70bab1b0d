/* GET /health and GET /health/db: for load balancers and monitoring. */
#include "config.h"
#include "usher/api.h"
#include "usher/db.h"

void health_get(struct ctx *c)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_boolean(1));
    c->res->no_store = false;
    response_json(c->res, 200, o);
}

/* 200 only when this worker's database accepts queries: the server answers and, on a
 * Galera node, wsrep_ready is ON and the node Synced (db_ready). Otherwise 503, so a
 * balancer stops sending. */
void health_db_get(struct ctx *c)
{
    bool up = c->db && db_ready(c->db);
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_boolean(up));
    c->res->no_store = false;
    response_json(c->res, up ? 200 : 503, o);
}
