/* The pool-wide cap on bcrypt work (see work_gate.h). */
#include "config.h"
#include "usher/work_gate.h"

#include <errno.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

static volatile int *gate_tokens;
static int gate_n;
static int held = -1;   /* index of the token this process holds */

void work_gate_init(volatile int *tokens, int ntokens)
{
    gate_tokens = ntokens > 0 ? tokens : NULL;
    gate_n = ntokens > 0 ? ntokens : 0;
    held = -1;
}

static bool take(int i, int expected, int me)
{
    return __atomic_compare_exchange_n(&gate_tokens[i], &expected, me, false,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

bool work_gate_enter(void)
{
    if (!gate_tokens || held >= 0)
        return true;
    int me = (int)getpid();
    for (int i = 0; i < gate_n; i++)
        if (take(i, 0, me)) {
            held = i;
            return true;
        }
    /* All taken: one whose holder is gone (killed mid-hash) is free again. */
    for (int i = 0; i < gate_n; i++) {
        int owner = __atomic_load_n(&gate_tokens[i], __ATOMIC_ACQUIRE);
        if (owner > 0 && kill((pid_t)owner, 0) != 0 && errno == ESRCH && take(i, owner, me)) {
            held = i;
            return true;
        }
    }
    return false;
}

void work_gate_leave(void)
{
    if (!gate_tokens || held < 0)
        return;
    __atomic_store_n(&gate_tokens[held], 0, __ATOMIC_RELEASE);
    held = -1;
}
