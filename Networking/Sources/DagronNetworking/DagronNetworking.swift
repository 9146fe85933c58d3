// The networking stack of dagron's bundled plugins, linked once into
// libDagronNetworking.so. A plugin that depends on the `DagronNetworking`
// product imports these modules as usual (`import NIOCore`, `import
// Hummingbird`, ...) and links their code from this library instead of
// embedding its own copy.
@_exported import AsyncHTTPClient
@_exported import CoreMetrics
@_exported import HTTPTypes
@_exported import Hummingbird
@_exported import HummingbirdCore
@_exported import Logging
@_exported import Metrics
@_exported import NIOCore
@_exported import NIOHTTP1
@_exported import NIOPosix
@_exported import Prometheus
@_exported import ServiceLifecycle
