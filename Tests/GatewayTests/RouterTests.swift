import Testing
@testable import Gateway

@Suite struct RouterTests {
    func route(_ path: String) -> Route? {
        Array(path.utf8).withUnsafeBytes { Router.route($0) }
    }

    @Test(arguments: [
        ("/api/v1/status", Route.status),
        ("/metrics", .metrics),
        ("/", .elasticHandshake),
        ("/api/v1/ingest/humio-structured", .ingest(.structured)),
        ("/api/v1/ingest/humio-unstructured", .ingest(.unstructured)),
        ("/api/v1/ingest/raw", .ingest(.raw)),
        ("/api/v1/ingest/raw/abc123", .ingest(.rawWithPathToken)),
        ("/api/v1/ingest/json", .ingest(.json)),
        ("/api/v1/ingest/hec", .ingest(.hec)),
        ("/api/v1/ingest/hec/raw", .ingest(.hecRaw)),
        ("/services/collector", .ingest(.hec)),
        ("/services/collector/1.0", .ingest(.hec)),
        ("/services/collector/event", .ingest(.hec)),
        ("/services/collector/event/1.0", .ingest(.hec)),
        ("/services/collector/raw", .ingest(.hecRaw)),
        ("/services/collector/raw/1.0", .ingest(.hecRaw)),
        ("/services/collector/health", .hecHealth),
        ("/services/collector/health/1.0", .hecHealth),
        ("/services/collector/ack", .hecAck),
        ("/api/v1/ingest/elastic-bulk", .ingest(.elasticBulk)),
        ("/_bulk", .ingest(.elasticBulk)),
        ("/logs-2026/_bulk", .ingest(.elasticBulk)),
    ])
    func routesEveryPath(_ path: String, _ expected: Route) {
        #expect(route(path) == expected)
    }

    @Test(arguments: ["/nope", "/api/v1/ingest/raw/", "/api/v1/ingest/raw/a/b", "/a/b/_bulk", "//_bulk", "/api/v1/statusx", ""])
    func refusesEverythingElse(_ path: String) {
        #expect(route(path) == nil)
    }

    @Test func extractsThePathToken() {
        let token = Array("/api/v1/ingest/raw/s3cr3t".utf8).withUnsafeBytes { String(decoding: Router.pathToken($0), as: UTF8.self) }
        #expect(token == "s3cr3t")
    }

    @Test func allowHeaderListsTheMethods() {
        #expect(Route.status.allowHeader == "GET, HEAD")
        #expect(Route.ingest(.elasticBulk).allowHeader == "POST, PUT")
    }
}

@Suite struct HeadNoteTests {
    /// The note headReceived hands to handle() names the same route again, for every route.
    @Test func everyRouteRoundTrips() {
        for (index, route) in GatewayHandler.notedRoutes.enumerated() {
            #expect(GatewayHandler.note(route!) == index + 1)
        }
        #expect(Set(GatewayHandler.notedRoutes.map { $0!.metricName + "\($0!)" }).count == GatewayHandler.notedRoutes.count)
    }
}
