import GraphQL
import Tokens

extension AdminSchema {
    static func mutationType(repository: GraphQLObjectType, ingestToken: GraphQLObjectType) throws -> GraphQLObjectType {
        let addInput = try GraphQLInputObjectType(name: "AddIngestTokenV3Input", fields: [
            "repositoryName": InputObjectField(type: GraphQLNonNull(GraphQLString)),
            "name": InputObjectField(type: GraphQLNonNull(GraphQLString)),
            "parser": InputObjectField(type: GraphQLString),
            "customToken": InputObjectField(type: GraphQLString),
        ])
        let assignInput = try GraphQLInputObjectType(name: "AssignParserToIngestTokenInputV2", fields: [
            "repositoryName": InputObjectField(type: GraphQLNonNull(GraphQLString)),
            "tokenName": InputObjectField(type: GraphQLNonNull(GraphQLString)),
            "parser": InputObjectField(type: GraphQLNonNull(GraphQLString)),
        ])
        let featureFlag = try GraphQLEnumType(name: "FeatureFlag", values: [
            Snapshot.Feature.customIngestTokens: GraphQLEnumValue(value: .string(Snapshot.Feature.customIngestTokens)),
        ])
        let organizationPermission = try permissionEnum("OrganizationPermission", AdminPermission.organization)
        let systemPermission = try permissionEnum("SystemPermission", AdminPermission.system)
        let organizationTokenInput = try GraphQLInputObjectType(name: "CreateOrganizationPermissionTokenInput", fields: [
            "name": InputObjectField(type: GraphQLNonNull(GraphQLString)),
            "permissions": InputObjectField(type: GraphQLNonNull(GraphQLList(GraphQLNonNull(organizationPermission)))),
        ])
        let systemTokenInput = try GraphQLInputObjectType(name: "CreateSystemPermissionTokenInput", fields: [
            "name": InputObjectField(type: GraphQLNonNull(GraphQLString)),
            "permissions": InputObjectField(type: GraphQLNonNull(GraphQLList(GraphQLNonNull(systemPermission)))),
        ])
        let repositoryResult = { (name: String) throws -> GraphQLObjectType in
            try GraphQLObjectType(name: name, fields: [
                "repository": GraphQLField(type: GraphQLNonNull(repository)) { source, _, _, _ in source },
            ])
        }
        let booleanResult = try GraphQLObjectType(name: "BooleanResultType", fields: [
            "result": GraphQLField(type: GraphQLNonNull(GraphQLBoolean)) { source, _, _, _ in source },
        ])
        let featureArgs: GraphQLArgumentConfigMap = ["feature": GraphQLArgument(type: GraphQLNonNull(featureFlag))]

        return try GraphQLObjectType(name: "Mutation", fields: [
            "addIngestTokenV3": GraphQLField(type: GraphQLNonNull(ingestToken),
                                             args: ["input": GraphQLArgument(type: GraphQLNonNull(addInput))]) { _, args, context, _ in
                try await operations(context).addIngestToken(
                    repository: string(args, "input", "repositoryName"), name: string(args, "input", "name"),
                    parser: optionalString(args, "input", "parser"), customToken: optionalString(args, "input", "customToken"))
            },
            "assignParserToIngestTokenV2": GraphQLField(type: GraphQLNonNull(ingestToken),
                                                        args: ["input": GraphQLArgument(type: GraphQLNonNull(assignInput))]) { _, args, context, _ in
                try await operations(context).assignParser(
                    repository: string(args, "input", "repositoryName"), tokenName: string(args, "input", "tokenName"),
                    parser: string(args, "input", "parser"))
            },
            "unassignIngestToken": GraphQLField(type: GraphQLNonNull(repositoryResult("UnassignIngestTokenMutation")), args: [
                "repositoryName": GraphQLArgument(type: GraphQLNonNull(GraphQLString)),
                "tokenName": GraphQLArgument(type: GraphQLNonNull(GraphQLString)),
            ]) { _, args, context, _ in
                try await operations(context).unassignParser(repository: string(args, "repositoryName"), tokenName: string(args, "tokenName"))
            },
            "removeIngestToken": GraphQLField(type: GraphQLNonNull(booleanResult), args: [
                "repositoryName": GraphQLArgument(type: GraphQLNonNull(GraphQLString)),
                "name": GraphQLArgument(type: GraphQLNonNull(GraphQLString)),
            ]) { _, args, context, _ in
                try await operations(context).removeIngestToken(repository: string(args, "repositoryName"), name: string(args, "name"))
                return true
            },
            "enableFeature": GraphQLField(type: GraphQLNonNull(GraphQLBoolean), args: featureArgs) { _, args, context, _ in
                try await operations(context).setFeature(string(args, "feature"), enabled: true)
                return true
            },
            "disableFeature": GraphQLField(type: GraphQLNonNull(GraphQLBoolean), args: featureArgs) { _, args, context, _ in
                try await operations(context).setFeature(string(args, "feature"), enabled: false)
                return true
            },
            "createRepository": GraphQLField(type: GraphQLNonNull(repositoryResult("CreateRepositoryMutation")),
                                             args: ["name": GraphQLArgument(type: GraphQLNonNull(GraphQLString))]) { _, args, context, _ in
                try await operations(context).createRepository(name: string(args, "name"))
            },
            "createOrganizationPermissionsToken": GraphQLField(type: GraphQLNonNull(GraphQLString),
                                                               args: ["input": GraphQLArgument(type: GraphQLNonNull(organizationTokenInput))]) { _, args, context, _ in
                try await operations(context).createAPIToken(kind: .organization, name: string(args, "input", "name"),
                                                             permissions: strings(args, "input", "permissions"))
            },
            "createSystemPermissionsToken": GraphQLField(type: GraphQLNonNull(GraphQLString),
                                                         args: ["input": GraphQLArgument(type: GraphQLNonNull(systemTokenInput))]) { _, args, context, _ in
                try await operations(context).createAPIToken(kind: .system, name: string(args, "input", "name"),
                                                             permissions: strings(args, "input", "permissions"))
            },
        ])
    }

    static func permissionEnum(_ name: String, _ values: [String]) throws -> GraphQLEnumType {
        var map: GraphQLEnumValueMap = [:]
        for value in values { map[value] = GraphQLEnumValue(value: .string(value)) }
        return try GraphQLEnumType(name: name, values: map)
    }

    static func strings(_ args: Map, _ path: IndexPathElement...) -> [String] {
        (args[IndexPath(path)].array ?? []).compactMap(\.string)
    }
}

extension AdminPermission {
    /// The values of `OrganizationPermission` Sluice accepts (and gives a meaning to).
    public static let organization = [
        Snapshot.Permission.ingestWithinOrganization, createRepository, Snapshot.Permission.changeIngestTokens,
        Snapshot.Permission.readMetrics,
    ]
    /// The values of `SystemPermission` Sluice accepts.
    public static let system = [
        Snapshot.Permission.ingestWithinCluster, createRepository, Snapshot.Permission.changeIngestTokens,
        Snapshot.Permission.readMetrics,
    ]
}
