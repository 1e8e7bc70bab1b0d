#ifndef USHER_SECRET_H
#define USHER_SECRET_H
/* The server secret that signs tokens and seals API keys: WEBUI_SECRET_KEY (or the legacy
 * WEBUI_JWT_SECRET_KEY), else secret_key from usher.conf, else a 32-byte random value
 * generated on first start into DATA_DIR/secret_key (mode 0600) and reused afterwards. */
#include <stddef.h>
struct usher_config;

/* Loads (or creates) the secret. Called by the master before forking, so every worker
 * shares it. Returns 0, or -1 with a logged reason. */
int secret_load(const struct usher_config *cfg);
/* The same for a tool beside the service (usherctl): never generates one; -1 (logged at
 * notice level) when none is configured and DATA_DIR/secret_key does not exist. */
int secret_load_existing(const struct usher_config *cfg);
/* The loaded secret's bytes. */
const unsigned char *secret_bytes(size_t *len);

#endif
