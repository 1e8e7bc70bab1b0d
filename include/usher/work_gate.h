#ifndef USHER_WORK_GATE_H
#define USHER_WORK_GATE_H
/* The cap on bcrypt work running at once in the pool (bcrypt.max_running): sign-in,
 * sign-up and password changes each cost a quarter of a second of CPU at cost 12, and
 * anyone can ask for a sign-in. Tokens live in the scoreboard's shared memory: a slot
 * holds the pid of the worker using it, 0 when free. A slot whose worker died (killed over
 * request_terminate_timeout, say) is taken back by the next worker that finds none free,
 * so nothing leaks. No queue: beyond the cap the caller answers 503 at once. */
#include <stdbool.h>

/* Called once in a worker before it serves: tokens points at ntokens ints in MAP_SHARED
 * memory, zeroed by the master. tokens NULL or ntokens 0: no cap (usherctl, tests). */
void work_gate_init(volatile int *tokens, int ntokens);
/* Takes a token: true (hold it until work_gate_leave), or false when ntokens are in use
 * by live workers. One token per process at most: a second enter while holding is true. */
bool work_gate_enter(void);
/* Gives the token back (nothing when none is held). */
void work_gate_leave(void);

#endif
