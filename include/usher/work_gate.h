#ifndef USHER_WORK_GATE_H
#define USHER_WORK_GATE_H
/* The cap on bcrypt work running at once in the pool (bcrypt.max_running): sign-in,
 * sign-up and password changes each cost a quarter of a second of CPU at cost 12, and
 * anyone can ask for a sign-in. Tokens live in the scoreboard's shared memory: a slot
 * holds the pid of the worker using it, 0 when free. A slot whose worker died (killed over
 * request_terminate_timeout, say) is taken back by the next worker that finds none free,
 * so nothing leaks.
 *
 * A check that finds every token taken waits for one for about one hash, so
 * two people signing in in the same second both get in. It waits only while the pool has
 * capacity to spare: while another worker is idle (so nothing queues behind the wait), and
 * only nwaiters workers at once (the same pid slots, in shared memory too). Otherwise it is
 * answered 503 at once, so a flood of sign-ins never ties up the workers the rest needs. */
#include <stdbool.h>

/* How long a check waits for a token before its 503: about one hash, i.e. half as long
 * again as the last token was held (the pool's latest hash, slower on a busy machine), at
 * least WORK_GATE_MIN_WAIT_MS (a cost-12 hash) and at most WORK_GATE_MAX_WAIT_MS. */
#define WORK_GATE_MIN_WAIT_MS 300
#define WORK_GATE_MAX_WAIT_MS 2000

/* The default cap (bcrypt.max_running 0): the CPUs this process may run on (its affinity
 * mask, else the online count), at most max_children, at least 1. More hashes at once than
 * cores only make each slower. */
int work_gate_default_cap(int max_children);
/* How many workers may wait for a token: none when every worker may hold one (cap >=
 * max_children); otherwise all but the cap's and one more, kept free for other requests,
 * and at least one. */
int work_gate_default_waiters(int max_children, int cap);

/* Where the gate's state lives: tokens[ntokens] and waiters[nwaiters] (pids, 0 when free)
 * and last_hold_ms (how long the latest token was held) in MAP_SHARED memory zeroed by the
 * master; spare (NULL: always) says whether another worker is idle now. */
struct work_gate_setup {
    volatile int *tokens;
    int ntokens;
    volatile int *waiters;
    int nwaiters;
    volatile int *last_hold_ms;
    bool (*spare)(void);
};
/* Called once in a worker before it serves. setup NULL, tokens NULL or ntokens 0: no cap
 * (usherctl, tests). The pointers are kept; the struct may be a local. */
void work_gate_init(const struct work_gate_setup *setup);
/* Takes a token: true (hold it until work_gate_leave), or false when ntokens are in use by
 * live workers and none came free within the wait, or while no other worker was idle, or
 * nwaiters workers wait already. One token per process at most: a second enter while
 * holding is true. */
bool work_gate_enter(void);
/* Gives the token back (nothing when none is held) and records how long it was held. */
void work_gate_leave(void);

#endif
