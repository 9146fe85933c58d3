// vfork, syscall and the SYS_* numbers need the GNU declarations.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "DagronSystemShims.h"
#include <errno.h>
#include <stdio.h>

#if defined(__linux__)
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

int dagron_set_child_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1UL, 0UL, 0UL, 0UL);
}

int dagron_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0UL, 0UL, 0UL);
}

int dagron_spawn_actions_add_chdir(void *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np((posix_spawn_file_actions_t *)actions, path);
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

/// `path` opened read-only and close-on-exec, above 2 (where a dagron
/// started with its standard streams closed would otherwise put it), once
/// for the process: `*slot` holds it, -2 until opened and -1 when it cannot
/// be. Concurrent first callers agree on one descriptor.
static int open_shared(_Atomic int *slot, const char *path) {
    int fd = atomic_load(slot);
    if (fd != -2) return fd;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && fd <= 2) {
        int above = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        close(fd);
        fd = above;
    }
    if (fd < 0) fd = -1;
    int expected = -2;
    if (!atomic_compare_exchange_strong(slot, &expected, fd)) {
        if (fd >= 0) close(fd);
        fd = expected;
    }
    return fd;
}

/// A descriptor of /dev/null (see `open_shared`), shared by every node's
/// standard input (reading it is always end of file, whatever a child does
/// with it); -1 if there is none. Saves each child a path lookup between
/// fork and exec.
static int null_input(void) {
    static _Atomic int shared = -2;
    return open_shared(&shared, "/dev/null");
}

#if defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define DAGRON_SANITIZED 1
#endif
#endif

#ifndef DAGRON_SANITIZED
// Where dagron_clone3_run is written (in assembly): elsewhere nodes start with vfork.
#if defined(__x86_64__) || defined(__aarch64__)
#define DAGRON_HAS_CLONE3 1
#endif

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
/// close_range's flag for a table of the caller's own (Linux 5.9).
#define DAGRON_CLOSE_RANGE_UNSHARE (1U << 1)

/// Closes every descriptor from `lowest` up, by listing /proc/self/fd
/// with raw system calls (no allocation: it runs in the vfork child), for
/// kernels older than close_range (5.9). Returns 0, or -1 with `errno` set.
static int close_from_by_listing(int lowest) {
    int directory = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (directory < 0) return -1;
    char buffer[1024];
    for (;;) {
        long length = syscall(SYS_getdents64, directory, buffer, sizeof buffer);
        if (length < 0) { int saved = errno; close(directory); errno = saved; return -1; }
        if (length == 0) break;
        int closed = 0;
        for (long offset = 0; offset < length;) {
            // struct linux_dirent64: inode, offset, record length, type, name.
            unsigned short record = *(unsigned short *)(buffer + offset + 16);
            const char *name = buffer + offset + 19;
            int fd = 0, digits = 0;
            for (; name[digits] >= '0' && name[digits] <= '9'; digits++) fd = fd * 10 + (name[digits] - '0');
            if (digits > 0 && name[digits] == '\0' && fd >= lowest && fd != directory) { close(fd); closed = 1; }
            offset += record;
        }
        // The listing changed under us: read it again from the start.
        if (closed && lseek(directory, 0, SEEK_SET) < 0) break;
    }
    close(directory);
    return 0;
}

/// This process's /proc/self/stat, opened once and read again for every
/// spawn (see `nondefault_signals`); -1 without /proc, -2 until opened. A
/// child forked without exec forgets it (it would read its parent's).
static _Atomic int process_stat = -2;

/// When ``recent_ignored_signals`` last read them (CLOCK_MONOTONIC, ns;
/// 0: never), and what it read.
static _Atomic long long ignored_signals_read_at;
#ifdef DAGRON_HAS_CLONE3
static _Atomic unsigned long long ignored_signals_seen;
#endif

static void forget_process_stat(void) {
    int fd = atomic_exchange(&process_stat, -2);
    if (fd >= 0) close(fd);
    atomic_store(&ignored_signals_read_at, 0);
}

static void register_forget_process_stat(void) {
    (void)pthread_atfork(NULL, NULL, forget_process_stat);
}

static int process_stat_descriptor(void) {
    static pthread_once_t forgetting = PTHREAD_ONCE_INIT;
    (void)pthread_once(&forgetting, register_forget_process_stat);
    return open_shared(&process_stat, "/proc/self/stat");
}

/// The signals this process ignores and those it catches, as masks whose
/// bit n-1 is signal n, read from the `sigignore` and `sigcatch` fields of
/// /proc/self/stat: one `pread`, where asking about each signal is 62
/// `rt_sigaction` calls (15 µs on a small VM). Returns 0, or -1 when they
/// cannot be read.
static int read_signal_actions(unsigned long long *ignored, unsigned long long *caught) {
    int fd = process_stat_descriptor();
    if (fd < 0) return -1;
    char buffer[1024];
    ssize_t length = pread(fd, buffer, sizeof buffer, 0);
    if (length <= 0 || length == (ssize_t)sizeof buffer) return -1;
    // The fields after the command name's closing parenthesis (the name
    // itself may hold any byte): the state is field 3, sigignore field 33
    // and sigcatch field 34, in decimal.
    const char *end = buffer + length;
    const char *cursor = end;
    while (cursor > buffer && cursor[-1] != ')') cursor--;
    if (cursor == buffer) return -1;
    int field = 2;
    unsigned long long values[2] = {0, 0};
    int digits[2] = {0, 0};
    for (; cursor < end && field <= 34; cursor++) {
        if (*cursor == ' ') {
            field++;
        } else if (field == 33 || field == 34) {
            int which = field - 33;
            if (*cursor < '0' || *cursor > '9' || digits[which] == 20) return -1;
            values[which] = values[which] * 10 + (unsigned long long)(*cursor - '0');
            digits[which]++;
        }
    }
    if (digits[0] == 0 || digits[1] == 0) return -1;
    *ignored = values[0];
    *caught = values[1];
    return 0;
}

#ifdef DAGRON_HAS_CLONE3
/// How long ``recent_ignored_signals`` trusts what it read: 10 ms.
#define DAGRON_IGNORED_SIGNALS_FRESH_NS 10000000LL

/// The signals this process ignores, as ``read_signal_actions`` read them
/// at most 10 ms ago: a node started with `clone3` needs only these (the
/// kernel clears the caught ones), and the read costs 4-10 µs (its caches
/// are cold after the last child's `exec`), where a node's whole overhead
/// is some 50. A signal ignored in the last 10 ms may still be ignored in
/// a node's program started now, as it is in every program other tools
/// start. Returns 0, or -1 when they cannot be read.
static int recent_ignored_signals(unsigned long long *ignored) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long at = (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
    long long read_at = atomic_load_explicit(&ignored_signals_read_at, memory_order_acquire);
    if (read_at != 0 && at - read_at < DAGRON_IGNORED_SIGNALS_FRESH_NS) {
        *ignored = atomic_load_explicit(&ignored_signals_seen, memory_order_relaxed);
        return 0;
    }
    unsigned long long caught;
    if (read_signal_actions(ignored, &caught) != 0) return -1;
    atomic_store_explicit(&ignored_signals_seen, *ignored, memory_order_relaxed);
    atomic_store_explicit(&ignored_signals_read_at, at, memory_order_release);
    return 0;
}
#endif

/// What ``node_child`` is to do: the program, its directory (NULL: this
/// process's) and descriptors, the signals to reset (see ``node_child``),
/// and where to report a failure.
struct node_start {
    const char *path;
    char *const *argv;
    char *const *envp;
    const char *directory;
    int null, output, error, first_realtime, every_signal;
    unsigned long long nondefault;
    unsigned int shared_below;
    volatile int *failure;
};

/// The child of ``dagron_spawn_node``: what posix_spawn's attributes
/// and file actions would do, with system calls only (it shares the
/// parent's memory until `execve`). Stores `errno` in `*failure` and exits
/// with status 127 if a step fails.
__attribute__((noreturn)) static void node_child(const struct node_start *start) {
    // Every signal at its default action (dagron ignores SIGPIPE; a node's
    // `yes | head` must not), except the real-time signals the C library
    // keeps for itself (32 and 33), which are ignored, as posix_spawn leaves
    // them. The child has its own copy of the actions: only those in
    // `nondefault` are set (the ignored and caught ones, or only the
    // ignored ones when the kernel has cleared the handlers), or all of
    // them when `every_signal`. Caught ones are reset too, although
    // `execve` would: no handler of dagron's may run in the child once it
    // unblocks signals. The kernel's call (its struct on x86-64 and arm64),
    // not sigaction(), which refuses to touch those two.
    struct {
        void *handler;
        unsigned long flags;
        void *restorer;
        unsigned long mask;
    } action = {SIG_DFL, 0, NULL, 0};
    for (int signal = 1; signal < NSIG; signal++) {
        if (signal == SIGKILL || signal == SIGSTOP) continue;
        int internal = signal >= __SIGRTMIN && signal < start->first_realtime;
        if (!internal && !start->every_signal && !(signal <= 64 && (start->nondefault >> (signal - 1) & 1ULL))) {
            continue;
        }
        action.handler = internal ? SIG_IGN : SIG_DFL;
        (void)syscall(SYS_rt_sigaction, signal, &action, NULL, sizeof action.mask);
    }
    if (setpgid(0, 0) != 0) goto fail;
    if (start->directory != NULL && chdir(start->directory) != 0) goto fail;
    // A child that shares dagron's descriptor table (`shared_below` > 0)
    // first takes a table of its own holding only the descriptors below
    // `shared_below` (0-2 and the three it needs): nothing below may touch
    // the shared one, which dagron's other threads go on using.
    // close_range's unshare copies just those, where a fork copies every
    // descriptor (the log preparer's dozens of open logs among them) and
    // the child closed them again one by one.
    if (start->shared_below > 0 &&
        syscall(SYS_close_range, start->shared_below, ~0U, DAGRON_CLOSE_RANGE_UNSHARE) != 0 &&
        unshare(CLONE_FILES) != 0) {
        goto fail;
    }
    if (start->null >= 0) {
        if (dup2(start->null, 0) < 0) goto fail;
    } else {
        int input = open("/dev/null", O_RDONLY);
        if (input < 0) goto fail;
        if (input != 0 && (dup2(input, 0) < 0 || close(input) != 0)) goto fail;
    }
    if (dup2(start->output, 1) < 0 || dup2(start->error, 2) < 0) goto fail;
    // Descriptors a plugin or library opened without close-on-exec stay out of the node.
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0 && close_from_by_listing(3) != 0) goto fail;
    sigset_t none;
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) != 0) goto fail;
    execve(start->path, start->argv, start->envp);
fail:
    *start->failure = errno;
    _exit(127);
}

#ifdef DAGRON_HAS_CLONE3
/// The kernel's `struct clone_args`, as its first version (64 bytes).
struct dagron_clone_args {
    unsigned long long flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

/// `clone3`'s flag for a child whose caught signals start at their default
/// action (Linux 5.5; `<linux/sched.h>` of older systems lacks it).
#define DAGRON_CLONE_CLEAR_SIGHAND 0x100000000ULL

/// The `clone3` system call, whose child calls `start(argument)` on the
/// stack `args` gives it and exits with its result. Returns the child's pid
/// to the parent, or minus the error number. In assembly because the child
/// begins on a stack without a frame to return to.
__attribute__((visibility("hidden"))) long dagron_clone3_run(
    struct dagron_clone_args *args, unsigned long size, int (*start)(void *), void *argument);

#if defined(__x86_64__)
// The argument waits in r8 and `start` in rdx, which the system call keeps
// (it changes only rax, rcx and r11); the child's stack pointer is the top
// of `args->stack`, 16-byte aligned, as a call expects.
__asm__(
    ".text\n"
    ".globl dagron_clone3_run\n"
    ".hidden dagron_clone3_run\n"
    ".type dagron_clone3_run, @function\n"
    ".p2align 4\n"
    "dagron_clone3_run:\n"
    "    mov %rcx, %r8\n"
    "    mov $435, %eax\n"
    "    syscall\n"
    "    test %rax, %rax\n"
    "    jnz 1f\n"
    "    xor %ebp, %ebp\n"
    "    mov %r8, %rdi\n"
    "    call *%rdx\n"
    "    mov %eax, %edi\n"
    "    mov $60, %eax\n"
    "    syscall\n"
    "    hlt\n"
    "1:  ret\n"
    ".size dagron_clone3_run, .-dagron_clone3_run\n");
#else
// `start` and the argument wait in x10 and x11, which the system call keeps.
__asm__(
    ".text\n"
    ".globl dagron_clone3_run\n"
    ".hidden dagron_clone3_run\n"
    ".type dagron_clone3_run, %function\n"
    ".p2align 2\n"
    "dagron_clone3_run:\n"
    "    mov x10, x2\n"
    "    mov x11, x3\n"
    "    mov x8, #435\n"
    "    svc #0\n"
    "    cbnz x0, 1f\n"
    "    mov x29, xzr\n"
    "    mov x30, xzr\n"
    "    mov x0, x11\n"
    "    blr x10\n"
    "    mov x8, #93\n"
    "    svc #0\n"
    "    brk #0\n"
    "1:  ret\n"
    ".size dagron_clone3_run, .-dagron_clone3_run\n");
#endif

static int start_node_child(void *start) {
    node_child(start);
}

/// The child's stack for ``dagron_clone3_run``: it needs well under a page
/// (``node_child`` and the C library's system call wrappers).
#define DAGRON_CHILD_STACK 16384
#endif

/// 1 while nodes start with `clone3`; 0 once it failed for want of
/// support (a kernel before 5.5, a sandbox that refuses it), or for tests.
static _Atomic int clone3_usable = 1;

void dagron_spawn_node_use_clone3(int use) {
    atomic_store(&clone3_usable, use != 0);
}

/// Starts the child as posix_spawn does, but without its per-call child
/// stack (glibc maps one for every spawn and unmaps it after, and in a
/// process with other threads the unmap flushes their TLBs with an
/// interrupt to every CPU they ran on): with `clone3` (`CLONE_VM |
/// CLONE_VFORK | CLONE_FILES`), the child on a stack in this frame, or, where `clone3`
/// or its `CLONE_CLEAR_SIGHAND` is missing, with `vfork`, the child on this
/// thread's stack below this frame. Either way the thread is suspended
/// until the child has called `execve` or exited, and the child reports a
/// failure through `failure` in the memory they share; every signal stays
/// blocked until the child has reset them.
static int spawn_node(const char *path, char *const argv[], char *const envp[], const char *directory,
                      int null, int output, int error, int *pid) {
    int first_realtime = SIGRTMIN;
    // A child that would change to the directory it is in already does
    // not: a `getcwd` here costs less than the child's path walk, and most
    // nodes run where dagron was started.
    char current[4096];
    if (directory != NULL && getcwd(current, sizeof current) != NULL && strcmp(current, directory) == 0) {
        directory = NULL;
    }
    sigset_t every, saved;
    sigfillset(&every);
    pthread_sigmask(SIG_SETMASK, &every, &saved);
    volatile int failure = 0;
    pid_t child = -1;
    int rc = 0;
    int forked = 0;
#ifdef DAGRON_HAS_CLONE3
    if (atomic_load_explicit(&clone3_usable, memory_order_relaxed)) {
        // The kernel starts the child with every caught signal at its
        // default action (no handler of dagron's can run in it, whatever
        // another thread installs meanwhile): it resets only the ignored ones.
        unsigned long long ignored = 0;
        int every_signal = recent_ignored_signals(&ignored) != 0;
        // It shares the descriptor table too, and keeps what it needs of it.
        int highest = null > output ? null : output;
        if (error > highest) highest = error;
        struct node_start start = {path, argv, envp, directory, null, output, error,
                                   first_realtime, every_signal, ignored, (unsigned int)highest + 1, &failure};
        _Alignas(16) char stack[DAGRON_CHILD_STACK];
        struct dagron_clone_args args = {
            .flags = CLONE_VM | CLONE_VFORK | CLONE_FILES | DAGRON_CLONE_CLEAR_SIGHAND,
            .exit_signal = SIGCHLD,
            .stack = (unsigned long long)(uintptr_t)stack,
            .stack_size = sizeof stack,
        };
        long result = dagron_clone3_run(&args, sizeof args, start_node_child, &start);
        if (result == -ENOSYS || result == -EINVAL || result == -EPERM) {
            atomic_store_explicit(&clone3_usable, 0, memory_order_relaxed);
        } else {
            forked = 1;
            if (result < 0) rc = (int)-result;
            else child = (pid_t)result;
        }
    }
#endif
    if (!forked) {
        // Read just before the vfork, whose child has a copy of the actions
        // as they are then: only an action another thread changes in between
        // is not seen (glibc's posix_spawn asks the child's copy, 62 calls more).
        unsigned long long ignored = 0, caught = 0;
        int every_signal = read_signal_actions(&ignored, &caught) != 0;
        struct node_start start = {path, argv, envp, directory, null, output, error,
                                   first_realtime, every_signal, ignored | caught, 0, &failure};
        child = vfork();
        if (child == 0) node_child(&start);
        if (child < 0) rc = errno;
    }
    if (rc == 0 && failure != 0) {
        // It never ran the program: reap it here, where only we know its pid.
        rc = failure;
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    } else if (rc == 0) {
        *pid = child;
    }
    // Back to the thread's own mask, less SIGCHLD (see dagron_spawn_node).
    sigdelset(&saved, SIGCHLD);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    return rc;
}
#else
void dagron_spawn_node_use_clone3(int use) {
    (void)use;
}

/// Under ThreadSanitizer or AddressSanitizer: posix_spawn, with the same
/// attributes and file actions as `node_child`. Those runtimes turn `vfork`
/// into `fork`, where the child's failure would never reach the parent (and
/// their instrumented code must not run in a child sharing its parent's memory).
static int spawn_node(const char *path, char *const argv[], char *const envp[], const char *directory,
                      int null, int output, int error, int *pid) {
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_t actions;
    int rc = posix_spawnattr_init(&attributes);
    if (rc != 0) return rc;
    rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0) { posix_spawnattr_destroy(&attributes); return rc; }
    sigset_t none, every;
    sigemptyset(&none);
    sigfillset(&every);
    if ((rc = posix_spawnattr_setsigmask(&attributes, &none)) != 0) goto done;
    if ((rc = posix_spawnattr_setsigdefault(&attributes, &every)) != 0) goto done;
    if ((rc = posix_spawnattr_setpgroup(&attributes, 0)) != 0) goto done;
    if ((rc = posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) != 0) goto done;
    if (directory != NULL && (rc = posix_spawn_file_actions_addchdir_np(&actions, directory)) != 0) goto done;
    if (null >= 0) {
        if ((rc = posix_spawn_file_actions_adddup2(&actions, null, 0)) != 0) goto done;
    } else if ((rc = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)) != 0) {
        goto done;
    }
    if ((rc = posix_spawn_file_actions_adddup2(&actions, output, 1)) != 0) goto done;
    if ((rc = posix_spawn_file_actions_adddup2(&actions, error, 2)) != 0) goto done;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    if ((rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3)) != 0) goto done;
#endif
    rc = posix_spawn(pid, path, &actions, &attributes, argv, envp);
    // See dagron_spawn_node.
    sigset_t child_signal;
    sigemptyset(&child_signal);
    sigaddset(&child_signal, SIGCHLD);
    pthread_sigmask(SIG_UNBLOCK, &child_signal, NULL);
done:
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    return rc;
}
#endif

/// Also leaves SIGCHLD unblocked in the calling thread. A child's exit
/// sends SIGCHLD to the thread that started it, and the kernel drops a
/// signal at its default action of "ignore" right away only when that
/// thread does not block it. A blocked one (every libdispatch thread blocks
/// it, and threads they start inherit that) is queued for the process, and
/// the kernel wakes a thread that takes it, usually the main thread in
/// libdispatch's `sigsuspend`, only for it to find nothing to run: one
/// needless wake-up of another CPU for every node.
int dagron_spawn_node(const char *path, char *const argv[], char *const envp[], const char *directory,
                      int output, int error, int *pid) {
    // Descriptors 0-2 are the child's own: move a log descriptor that sits
    // there out of the way before the dup2s (a dagron started with them closed).
    int moved_output = -1, moved_error = -1;
    if (output <= 2) { moved_output = fcntl(output, F_DUPFD_CLOEXEC, 3); if (moved_output < 0) return errno; output = moved_output; }
    if (error <= 2) {
        moved_error = fcntl(error, F_DUPFD_CLOEXEC, 3);
        if (moved_error < 0) { int saved = errno; if (moved_output >= 0) close(moved_output); return saved; }
        error = moved_error;
    }
    int rc = spawn_node(path, argv, envp, directory, null_input(), output, error, pid);
    if (moved_output >= 0) close(moved_output);
    if (moved_error >= 0) close(moved_error);
    return rc;
}

int dagron_pidfd_open(int pid) {
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

int dagron_exit_poll_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

int dagron_exit_poll_add(int poll, int descriptor) {
    struct epoll_event event = {.events = EPOLLIN, .data = {.fd = descriptor}};
    return epoll_ctl(poll, EPOLL_CTL_ADD, descriptor, &event);
}

void dagron_exit_poll_remove(int poll, int descriptor) {
    (void)epoll_ctl(poll, EPOLL_CTL_DEL, descriptor, NULL);
}

int dagron_exit_poll_wait(int poll, int *descriptors, int capacity) {
    struct epoll_event events[64];
    if (capacity > 64) capacity = 64;
    int count = epoll_wait(poll, events, capacity, -1);
    for (int i = 0; i < count; i++) descriptors[i] = events[i].data.fd;
    return count;
}

int dagron_pidfd_wait(int pidfd, long long timeout_ms) {
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        int wait_ms = -1;
        if (timeout_ms >= 0) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            long long elapsed = (now.tv_sec - start.tv_sec) * 1000LL + (now.tv_nsec - start.tv_nsec) / 1000000LL;
            long long left = timeout_ms - elapsed;
            if (left < 0) left = 0;
            wait_ms = left > 86400000LL ? 86400000 : (int)left;
        }
        struct pollfd entry = {.fd = pidfd, .events = POLLIN, .revents = 0};
        int ready = poll(&entry, 1, wait_ms);
        if (ready > 0) return 1;
        if (ready < 0 && errno != EINTR) return -1;
        if (ready == 0 && timeout_ms >= 0 && wait_ms < 86400000) return 0;
    }
}

static __thread void *direct_exit_wait;

void *dagron_direct_exit_wait(void) {
    return direct_exit_wait;
}

void dagron_set_direct_exit_wait(void *wait) {
    direct_exit_wait = wait;
}

int dagron_wait_child(int pid, int block, int *exit_code, int *signal_number) {
    siginfo_t info;
    for (;;) {
        info.si_pid = 0;
        if (waitid(P_PID, (id_t)pid, &info, WEXITED | (block ? 0 : WNOHANG)) == 0) break;
        if (errno != EINTR) return -1;
    }
    if (info.si_pid == 0) return 0;
    *exit_code = 0;
    *signal_number = 0;
    if (info.si_code == CLD_EXITED) *exit_code = info.si_status;
    else *signal_number = info.si_status;
    return 1;
}
#else
int dagron_set_child_subreaper(void) {
    errno = ENOSYS;
    return -1;
}

int dagron_spawn_actions_add_chdir(void *actions, const char *path) {
    (void)actions;
    (void)path;
    return ENOSYS;
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

int dagron_spawn_node(const char *path, char *const argv[], char *const envp[], const char *directory,
                      int output, int error, int *pid) {
    (void)path; (void)argv; (void)envp; (void)directory; (void)output; (void)error; (void)pid;
    return ENOSYS;
}

int dagron_pidfd_open(int pid) {
    (void)pid;
    errno = ENOSYS;
    return -1;
}

int dagron_exit_poll_create(void) {
    errno = ENOSYS;
    return -1;
}

int dagron_exit_poll_add(int poll, int descriptor) {
    (void)poll; (void)descriptor;
    errno = ENOSYS;
    return -1;
}

void dagron_exit_poll_remove(int poll, int descriptor) {
    (void)poll; (void)descriptor;
}

int dagron_exit_poll_wait(int poll, int *descriptors, int capacity) {
    (void)poll; (void)descriptors; (void)capacity;
    errno = ENOSYS;
    return -1;
}

int dagron_pidfd_wait(int pidfd, long long timeout_ms) {
    (void)pidfd; (void)timeout_ms;
    errno = ENOSYS;
    return -1;
}

static __thread void *direct_exit_wait;

void *dagron_direct_exit_wait(void) {
    return direct_exit_wait;
}

void dagron_set_direct_exit_wait(void *wait) {
    direct_exit_wait = wait;
}

int dagron_wait_child(int pid, int block, int *exit_code, int *signal_number) {
    (void)pid; (void)block; (void)exit_code; (void)signal_number;
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

// MARK: Job control

void dagron_stop_process(int signal) {
    struct sigaction fallback, saved;
    memset(&fallback, 0, sizeof fallback);
    fallback.sa_handler = SIG_DFL;
    sigemptyset(&fallback.sa_mask);
    if (sigaction(signal, &fallback, &saved) != 0) return;
    sigset_t only, mask;
    sigemptyset(&only);
    sigaddset(&only, signal);
    pthread_sigmask(SIG_UNBLOCK, &only, &mask);
    // Sent to this thread, unblocked, at its default action: delivered as
    // the call returns, and the whole process stops there until continued.
    pthread_kill(pthread_self(), signal);
    pthread_sigmask(SIG_SETMASK, &mask, NULL);
    sigaction(signal, &saved, NULL);
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

int dagron_crash_in_progress(void) {
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
