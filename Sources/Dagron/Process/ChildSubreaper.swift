import DagronSystemShims

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Makes this process a child subreaper (Linux `PR_SET_CHILD_SUBREAPER`).
///
/// A node's command can start processes that leave its process group
/// (`setsid sleep 300 &`) and outlive the command; without a subreaper they
/// would be handed to init and nothing would find them. With `dagron run`
/// a subreaper they are handed to it instead, so ``LeftoverProcessSweep``
/// finds and kills them when the run ends.
public enum ChildSubreaper {
    /// Turns the subreaper attribute on for this process.
    /// - Returns: `nil` on success, else why it failed (`strerror`).
    @discardableResult
    public static func enable() -> String? {
        guard dagron_set_child_subreaper() != 0 else { return nil }
        return String(cString: strerror(errno))
    }
}
