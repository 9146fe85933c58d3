// What dagron needs from C that Swift cannot import: `prctl` is variadic,
// and `stdout`/`stderr` are mutable globals Swift 6 refuses to touch.
#ifndef DAGRON_SYSTEM_SHIMS_H
#define DAGRON_SYSTEM_SHIMS_H

/// Makes the calling process a child subreaper (Linux `PR_SET_CHILD_SUBREAPER`):
/// orphaned descendants are reparented to it instead of to init.
/// Returns 0 on success, -1 with `errno` set otherwise (ENOSYS off Linux).
int dagron_set_child_subreaper(void);

/// Flushes C's buffered `stdout` and `stderr`, skipping a stream another
/// thread holds locked (`ftrylockfile`), for a process about to `_exit`
/// while a thread may be stuck inside stdio.
void dagron_flush_standard_streams(void);

/// Makes the kernel send `signal` to the calling process when its parent
/// dies (Linux `PR_SET_PDEATHSIG`). Returns 0, or -1 with `errno` set.
int dagron_set_parent_death_signal(int signal);
/// Adds "change the directory to `path`" to the `posix_spawn_file_actions_t`
/// at `actions` (`posix_spawn_file_actions_addchdir_np`, a GNU extension
/// Swift does not see). Returns 0 or an error number (ENOSYS off Linux).
int dagron_spawn_actions_add_chdir(void *actions, const char *path);
/// An anonymous, close-on-exec memory file (Linux `memfd_create`) of
/// `size` bytes, for memory shared with a child process. Returns the
/// descriptor, or -1 with `errno` set.
int dagron_shared_memory_file(const char *name, long size);

// MARK: Node commands

/// Starts a node's command with `clone3` (or `vfork` where the kernel
/// lacks it) and `execve`: `path`
/// with `argv` and `envp` (NULL-terminated), in `directory` (NULL: this
/// process's), leading a process group of its own, every signal unblocked
/// and at its default action, standard input `/dev/null`, standard output
/// and standard error `output` and `error`, no other descriptor inherited.
/// Returns 0 with `*pid` set, or the error number (`ENOENT`, `EACCES`,
/// `ENOEXEC`, ... from the `exec`, or from changing to `directory`).
/// Leaves SIGCHLD unblocked in the calling thread, so that the child's exit
/// wakes no other thread (SIGCHLD stays at its default action, ignored).
int dagron_spawn_node(const char *path, char *const argv[], char *const envp[], const char *directory,
                      int output, int error, int *pid);

/// Whether ``dagron_spawn_node`` starts children with `clone3` where the
/// kernel allows it (non-zero, the default) or always with `vfork` (0), for
/// tests of both ways. Builds with a sanitizer use `posix_spawn` either way.
void dagron_spawn_node_use_clone3(int use);

/// A close-on-exec descriptor that becomes readable when child `pid` exits
/// (Linux `pidfd_open`), or -1 with `errno` set.
int dagron_pidfd_open(int pid);

/// A close-on-exec epoll instance for pidfds, or -1 with `errno` set.
int dagron_exit_poll_create(void);
/// Watches `descriptor` (a pidfd) for readability. Returns 0, or -1 with `errno` set.
int dagron_exit_poll_add(int poll, int descriptor);
/// Stops watching `descriptor`.
void dagron_exit_poll_remove(int poll, int descriptor);
/// Blocks until watched descriptors are readable; stores up to `capacity`
/// (at most 64) of them in `descriptors`. Returns how many, or -1 with `errno` set.
int dagron_exit_poll_wait(int poll, int *descriptors, int capacity);

/// Waits up to `timeout_ms` milliseconds (-1: no limit) for `pidfd` to
/// become readable (its process exited). Returns 1 when it is, 0 when the
/// time ran out, -1 with `errno` set on error (interruptions are retried).
int dagron_pidfd_wait(int pidfd, long long timeout_ms);

/// The calling thread's pointer for ``DirectExitWait`` (NULL unless set).
void *dagron_direct_exit_wait(void);
/// Sets the calling thread's pointer for ``DirectExitWait``.
void dagron_set_direct_exit_wait(void *wait);

/// Reaps child `pid` (`waitid`; blocking if `block` is non-zero). Returns 1
/// with `*exit_code` (an exit) or `*signal_number` (killed) set, 0 if it has
/// not exited (non-blocking), -1 with `errno` set on error.
int dagron_wait_child(int pid, int block, int *exit_code, int *signal_number);

// MARK: Job control

/// Stops the calling process as a stop signal's default action does
/// (`signal`: SIGTSTP, SIGTTIN or SIGTTOU), whatever the signal's
/// disposition and the calling thread's mask, and returns once the process
/// is continued (SIGCONT: the shell's `fg` or `bg`). As with the default
/// action, nothing stops when the process group is orphaned (no shell is
/// left to continue it): the call then returns at once.
void dagron_stop_process(int signal);

// MARK: The crash guard of `dagron run`
//
// A process that crashes (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP)
// while nodes run must not leave their process groups behind. The guard keeps
// a fixed table of the groups running now (no allocation, safe to read in a
// signal handler) and, on a crash, first kills every group in it with
// SIGKILL, then calls the report function (best effort, bounded by an alarm),
// then restores the default action and re-raises the signal, so the process
// still dies of it.

/// How many process groups the table holds at once.
#define DAGRON_CRASH_GROUP_SLOTS 8192

/// Records a running process group. Returns 1 if the crash guard has already
/// fired (the caller kills the group itself), 0 otherwise (also when the
/// table is full).
int dagron_crash_groups_add(int group);

/// Forgets a process group whose command has ended.
void dagron_crash_groups_remove(int group);

/// 1 once the crash guard has fired (it then kills the recorded groups at
/// once, before its report runs), else 0: what the nodes do from then on
/// is the crash's doing, not theirs.
int dagron_crash_in_progress(void);

/// The best-effort part of a crash, called once with the signal number on
/// the crashing thread (on its alternate signal stack when it has one).
typedef void (*dagron_crash_report_fn)(int signal);

/// Installs the crash handlers (once; later calls only replace `report` and
/// `bound_seconds`) and gives the calling thread an alternate signal stack.
/// `report` may be NULL. If the report has not returned after
/// `bound_seconds` (at least 1), the process dies of the signal anyway.
/// Returns 0, or -1 with errno set.
int dagron_crash_guard_install(dagron_crash_report_fn report, unsigned bound_seconds);

/// Gives the calling thread an alternate signal stack (freed when the thread
/// exits) if the crash guard is installed and the thread has none: a thread
/// whose stack overflows can then still run the handler.
void dagron_crash_guard_prepare_thread(void);

#endif
