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
/// An anonymous, close-on-exec memory file (Linux `memfd_create`) of
/// `size` bytes, for memory shared with a child process. Returns the
/// descriptor, or -1 with `errno` set.
int dagron_shared_memory_file(const char *name, long size);
#endif
