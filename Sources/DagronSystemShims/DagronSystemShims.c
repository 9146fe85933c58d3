#include "DagronSystemShims.h"
#include <errno.h>
#include <stdio.h>

#if defined(__linux__)
#include <sys/prctl.h>

int dagron_set_child_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1UL, 0UL, 0UL, 0UL);
}
#else
int dagron_set_child_subreaper(void) {
    errno = ENOSYS;
    return -1;
}
#endif

void dagron_flush_standard_streams(void) {
    FILE *streams[] = {stdout, stderr};
    for (int i = 0; i < 2; i++) {
        if (ftrylockfile(streams[i]) == 0) {
            fflush(streams[i]);
            funlockfile(streams[i]);
        }
    }
}
