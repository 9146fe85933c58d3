#include "DagronSystemShims.h"
#include <errno.h>
#include <stdio.h>

#if defined(__linux__)
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

int dagron_set_child_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1UL, 0UL, 0UL, 0UL);
}

int dagron_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0UL, 0UL, 0UL);
}

int dagron_shared_memory_file(const char *name, long size) {
    int fd = (int)syscall(SYS_memfd_create, name, 1U /* MFD_CLOEXEC */);
    if (fd < 0) return -1;
    if (ftruncate(fd, (off_t)size) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}
#else
int dagron_set_child_subreaper(void) {
    errno = ENOSYS;
    return -1;
}

int dagron_set_parent_death_signal(int signal) {
    (void)signal;
    errno = ENOSYS;
    return -1;
}

int dagron_shared_memory_file(const char *name, long size) {
    (void)name;
    (void)size;
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
