import Gateway
import HTTPWire
import Testing

/// `/graphql` routes to the admin API and answers POST only.
@Suite struct RouteGraphQLTests {
    @Test(arguments: [("/graphql", Route.graphql as Route?), ("/graphql/", nil), ("/graphq", nil)])
    func graphqlPath(path: String, expected: Route?) {
        let route = Array(path.utf8).withUnsafeBytes { Router.route($0) }
        #expect(route == expected)
    }

    @Test func postOnly() {
        #expect(Route.graphql.allowedMethods == [.post])
        #expect(Route.graphql.allowHeader == "POST")
        #expect(Route.graphql.metricName == "graphql")
    }
}
