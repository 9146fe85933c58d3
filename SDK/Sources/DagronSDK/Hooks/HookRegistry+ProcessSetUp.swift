extension HookRegistry {
    /// Sets up, once per process, what every registry's `fire` relies on:
    /// the per-thread reader words and the kernel's expedited memory barrier
    /// (see ``HookReaderWords``). The first registry does this anyway; a host
    /// calls it first thing in `main`, while the process has a single
    /// thread, because Linux makes a multi-threaded process wait for a
    /// grace period (about 10 ms) when it registers for the barrier, and a
    /// single-threaded one not at all.
    @_spi(DagronHost) public static func prepareProcess() {
        _ = HookReaderWords.shared
    }
}
