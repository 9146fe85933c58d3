/// A node's ``NodeTask`` as a run holds it.
///
/// Copying a `NodeTask` goes through generic value witnesses (its optional
/// `Duration`s), which made handing a task to a worker a large share of a
/// no-op node. The common case, a synchronous task without a timeout or
/// retries, is kept as the bare closure (a copy is a retain); anything else
/// stays a `NodeTask` behind one reference.
enum RunTask: Sendable {
    /// No task was given for the node.
    case none
    /// A synchronous task without a timeout or retries: the worker calls it directly.
    case direct(@Sendable () throws -> (any Sendable)?)
    /// Any other task.
    case general(Box)

    /// A `NodeTask` behind a reference.
    final class Box: Sendable {
        let task: NodeTask
        init(_ task: NodeTask) { self.task = task }
    }

    init(_ task: NodeTask) {
        if case .sync(let body) = task.body, task.timeout == nil, task.retries == 0 {
            self = .direct(body)
        } else {
            self = .general(Box(task))
        }
    }
}
