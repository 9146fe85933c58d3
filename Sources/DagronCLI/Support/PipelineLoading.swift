import Dagron

/// Reads a pipeline file for a command, printing every issue and exiting
/// with code 2 when the file is unusable.
func loadPipeline(_ path: String) throws -> Pipeline {
    do {
        return try PipelineParser().parse(fileAt: path)
    } catch {
        for issue in error.issues { printError(issue.description) }
        if error.issues.count > 1 { printError("\(error.issues.count) problems in \(path)") }
        throw ExitStatus.usage
    }
}
