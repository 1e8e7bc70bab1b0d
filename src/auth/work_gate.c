/* The pool-wide cap on bcrypt work (see work_gate.h). */
#include "config.h"
#include "usher/work_gate.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static struct work_gate_setup gate;
static int held = -1;             /* index of the token this process holds */
static long long held_since_ms;   /* when it took it */

int work_gate_default_cap(int max_children)
{
    int cpus = 0;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0)
        cpus = CPU_COUNT(&set);
    if (cpus <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        cpus = n > 0 ? (int)n : 1;
    }
    if (cpus > max_children)
        cpus = max_children;
    return cpus > 0 ? cpus : 1;
}

int work_gate_default_waiters(int max_children, int cap)
{
    if (cap >= max_children)
        return 0;
    int n = max_children - cap - 1;
    return n > 0 ? n : 1;
}

void work_gate_init(const struct work_gate_setup *setup)
{
    memset(&gate, 0, sizeof(gate));
    if (setup && setup->tokens && setup->ntokens > 0) {
        gate = *setup;
        if (!gate.waiters || gate.nwaiters <= 0) {
            gate.waiters = NULL;
            gate.nwaiters = 0;
        }
    }
    held = -1;
}

static bool take(volatile int *slots, int i, int expected, int me)
{
    return __atomic_compare_exchange_n(&slots[i], &expected, me, false, __ATOMIC_ACQ_REL,
                                       __ATOMIC_ACQUIRE);
}

/* A free slot of slots[0..n) now holds me: its index, or -1 when every one is held by a
 * live process. A slot whose holder is gone (killed mid-hash) is free again. */
static int claim(volatile int *slots, int n, int me)
{
    for (int i = 0; i < n; i++)
        if (take(slots, i, 0, me))
            return i;
    for (int i = 0; i < n; i++) {
        int owner = __atomic_load_n(&slots[i], __ATOMIC_ACQUIRE);
        if (owner > 0 && kill((pid_t)owner, 0) != 0 && errno == ESRCH && take(slots, i, owner, me))
            return i;
    }
    return -1;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* About one hash: half as long again as the latest token was held, within the bounds. */
static long long wait_ms(void)
{
    long long last = gate.last_hold_ms ? __atomic_load_n(gate.last_hold_ms, __ATOMIC_RELAXED) : 0;
    long long w = last * 3 / 2;
    return w < WORK_GATE_MIN_WAIT_MS ? WORK_GATE_MIN_WAIT_MS
         : w > WORK_GATE_MAX_WAIT_MS ? WORK_GATE_MAX_WAIT_MS : w;
}

bool work_gate_enter(void)
{
    if (!gate.tokens || held >= 0)
        return true;
    int me = (int)getpid();
    if ((held = claim(gate.tokens, gate.ntokens, me)) >= 0) {
        held_since_ms = now_ms();
        return true;
    }
    if (!gate.waiters || (gate.spare && !gate.spare()))
        return false;
    int waiting = claim(gate.waiters, gate.nwaiters, me);
    if (waiting < 0)
        return false;     /* enough workers wait already: keep this one for other requests */
    /* Polled: the holders are other processes and a token is a plain int in shared memory;
     * every 5 ms is nothing beside a 250 ms hash. The wait ends early once every other
     * worker is busy: requests then queue behind it. */
    long long deadline = now_ms() + wait_ms();
    const struct timespec step = { 0, 5 * 1000 * 1000 };
    while ((held = claim(gate.tokens, gate.ntokens, me)) < 0 && now_ms() < deadline &&
           (!gate.spare || gate.spare()))
        nanosleep(&step, NULL);
    __atomic_store_n(&gate.waiters[waiting], 0, __ATOMIC_RELEASE);
    if (held >= 0)
        held_since_ms = now_ms();
    return held >= 0;
}

void work_gate_leave(void)
{
    if (!gate.tokens || held < 0)
        return;
    long long took = now_ms() - held_since_ms;
    if (gate.last_hold_ms)
        __atomic_store_n(gate.last_hold_ms, (int)(took < 60000 ? took : 60000), __ATOMIC_RELAXED);
    __atomic_store_n(&gate.tokens[held], 0, __ATOMIC_RELEASE);
    held = -1;
}
