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

// MARK: The crash guard

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static _Atomic int crash_groups[DAGRON_CRASH_GROUP_SLOTS];
/// Where the last free slot was found: the next search starts there.
static _Atomic unsigned crash_groups_hint;
static _Atomic int crash_guard_installed;
/// The signal being handled, or 0.
static _Atomic int crash_signal;
static _Atomic(dagron_crash_report_fn) crash_report;
static _Atomic unsigned crash_bound_seconds = 5;
static pthread_key_t crash_stack_key;

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
#define CRASH_SIGNAL_COUNT (sizeof crash_signals / sizeof crash_signals[0])
/// Large enough for the Swift report (JSON encoding, file writes) to run on it.
#define CRASH_STACK_BYTES (1024 * 1024)

int dagron_crash_groups_add(int group) {
    if (group <= 1) return 0;
    unsigned start = atomic_load_explicit(&crash_groups_hint, memory_order_relaxed);
    for (unsigned i = 0; i < DAGRON_CRASH_GROUP_SLOTS; i++) {
        unsigned slot = (start + i) % DAGRON_CRASH_GROUP_SLOTS;
        int expected = 0;
        if (atomic_compare_exchange_strong(&crash_groups[slot], &expected, group)) {
            atomic_store_explicit(&crash_groups_hint, slot + 1, memory_order_relaxed);
            break;
        }
    }
    return atomic_load(&crash_signal) != 0;
}

void dagron_crash_groups_remove(int group) {
    if (group <= 1) return;
    for (unsigned slot = 0; slot < DAGRON_CRASH_GROUP_SLOTS; slot++) {
        int expected = group;
        if (atomic_compare_exchange_strong(&crash_groups[slot], &expected, 0)) {
            atomic_store_explicit(&crash_groups_hint, slot, memory_order_relaxed);
            return;
        }
    }
}

/// Async-signal-safe: SIGKILL to every group in the table.
static void crash_kill_groups(void) {
    for (unsigned slot = 0; slot < DAGRON_CRASH_GROUP_SLOTS; slot++) {
        int group = atomic_load(&crash_groups[slot]);
        if (group > 1) kill(-group, SIGKILL);
    }
}

/// Dies of `signal`: default action, unblocked, raised again.
static void crash_die(int signal) {
    struct sigaction action = {0};
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    sigaction(signal, &action, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signal);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    raise(signal);
    // A signal that does not kill by default cannot get here (all of ours do).
    _exit(128 + signal);
}

/// The report took too long: die of the crash's signal without it.
static void crash_bound_passed(int unused) {
    (void)unused;
    static const char message[] = "dagron: error: the crash report did not finish in time\n";
    (void)!write(2, message, sizeof message - 1);
    crash_kill_groups();
    int signal = atomic_load(&crash_signal);
    crash_die(signal != 0 ? signal : SIGABRT);
}

static void crash_handler(int signal, siginfo_t *info, void *context) {
    (void)info;
    (void)context;
    int expected = 0;
    if (!atomic_compare_exchange_strong(&crash_signal, &expected, signal)) {
        // A second crash (in the report, or on another thread): no more
        // reporting; die of the first one.
        crash_kill_groups();
        crash_die(expected);
    }
    crash_kill_groups();
    dagron_crash_report_fn report = atomic_load(&crash_report);
    if (report != NULL) {
        struct sigaction bound = {0};
        bound.sa_handler = crash_bound_passed;
        sigemptyset(&bound.sa_mask);
        sigaction(SIGALRM, &bound, NULL);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGALRM);
        pthread_sigmask(SIG_UNBLOCK, &set, NULL);
        alarm(atomic_load(&crash_bound_seconds));
        report(signal);
        // Commands started while the report ran (other threads go on meanwhile).
        crash_kill_groups();
    }
    crash_die(signal);
}

static void crash_stack_free(void *stack) {
    stack_t disable = {0};
    disable.ss_flags = SS_DISABLE;
    sigaltstack(&disable, NULL);
    munmap(stack, CRASH_STACK_BYTES);
}

void dagron_crash_guard_prepare_thread(void) {
    if (!atomic_load_explicit(&crash_guard_installed, memory_order_acquire)) return;
    stack_t current;
    if (sigaltstack(NULL, &current) != 0 || !(current.ss_flags & SS_DISABLE)) return;
    void *stack = mmap(NULL, CRASH_STACK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (stack == MAP_FAILED) return;
    stack_t alternate = {0};
    alternate.ss_sp = stack;
    alternate.ss_size = CRASH_STACK_BYTES;
    if (sigaltstack(&alternate, NULL) != 0) {
        munmap(stack, CRASH_STACK_BYTES);
        return;
    }
    pthread_setspecific(crash_stack_key, stack);
}

static pthread_mutex_t crash_install_lock = PTHREAD_MUTEX_INITIALIZER;

int dagron_crash_guard_install(dagron_crash_report_fn report, unsigned bound_seconds) {
    atomic_store(&crash_report, report);
    atomic_store(&crash_bound_seconds, bound_seconds > 0 ? bound_seconds : 1);
    pthread_mutex_lock(&crash_install_lock);
    int result = 0;
    if (!atomic_load(&crash_guard_installed)) {
        if ((result = pthread_key_create(&crash_stack_key, crash_stack_free)) != 0) {
            errno = result;
            result = -1;
        } else {
            struct sigaction action = {0};
            action.sa_sigaction = crash_handler;
            action.sa_flags = SA_SIGINFO | SA_ONSTACK;
            sigemptyset(&action.sa_mask);
            for (unsigned i = 0; i < CRASH_SIGNAL_COUNT && result == 0; i++) {
                result = sigaction(crash_signals[i], &action, NULL);
            }
            if (result == 0) atomic_store_explicit(&crash_guard_installed, 1, memory_order_release);
        }
    }
    pthread_mutex_unlock(&crash_install_lock);
    if (result == 0) dagron_crash_guard_prepare_thread();
    return result;
}
