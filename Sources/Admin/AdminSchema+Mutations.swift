import GraphQL
import Tokens

extension AdminSchema {
    static func mutationType(repository: GraphQLObjectType, ingestToken: GraphQLObjectType, parser: GraphQLObjectType,
                             long: GraphQLScalarType) throws -> GraphQLObjectType {
        // LogScale's name for a repository or view name argument; a string here.
        let repoOrViewName = try GraphQLScalarType(name: "RepoOrViewName", serialize: { try map(from: $0) },
                                                   parseValue: { value in
            guard case .string = value else { throw GraphQLError(message: "RepoOrViewName must be a string") }
            return value
        }, parseLiteral: { literal in
            guard let text = literal as? StringValue else { throw GraphQLError(message: "RepoOrViewName must be a string") }
            return .string(text.value)
        })
        let createParserInput = try GraphQLInputObjectType(name: "CreateParserInput", fields: [
            "name": InputObjectField(type: GraphQLNonNull(GraphQLString)),
            "repositoryName": InputObjectField(type: GraphQLNonNull(GraphQLString)),
            "testData": InputObjectField(type: GraphQLNonNull(GraphQLList(GraphQLNonNull(GraphQLString)))),
            "tagFields": InputObjectField(type: GraphQLNonNull(GraphQLList(GraphQLNonNull(GraphQLString)))),
            "sourceCode": InputObjectField(type: GraphQLNonNull(GraphQLString)),
            "force": InputObjectField(type: GraphQLNonNull(GraphQLBoolean)),
        ])
        let removeParserInput = try GraphQLInputObjectType(name: "RemoveParserInput", fields: [
            "repositoryName": InputObjectField(type: GraphQLNonNull(GraphQLString)),
            "id": InputObjectField(type: GraphQLNonNull(GraphQLString)),
        ])
        let deleteParserInput = try GraphQLInputObjectType(name: "DeleteParserInput", fields: [
            "repositoryName": InputObjectField(type: GraphQLNonNull(repoOrViewName)),
            "id": InputObjectField(type: GraphQLNonNull(GraphQLString)),
        ])
        let parserResult = { (name: String) throws -> GraphQLObjectType in
            try GraphQLObjectType(name: name, fields: [
                "parser": GraphQLField(type: GraphQLNonNull(parser)) { source, _, _, _ in source },
            ])
        }
        let addInput = try GraphQLInputObjectType(name: "AddIngestTokenV3Input", fields: [
            "repositoryName": InputObjectField(type: GraphQLNonNull(GraphQLString)),
            "name": InputObjectField(type: GraphQLNonNull(GraphQLString)),
            "parser": InputObjectField(type: GraphQLString),
            "customToken": InputObjectField(type: GraphQLString),
            "expireAt": InputObjectField(type: long),
        ])
        let rotateInput = try GraphQLInputObjectType(name: "RotateIngestTokenInput", fields: [
            "repositoryName": InputObjectField(type: GraphQLNonNull(GraphQLString)),
            "name": InputObjectField(type: GraphQLNonNull(GraphQLString)),
            "overlapSeconds": InputObjectField(type: GraphQLInt),
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
        let descriptionResult = try GraphQLObjectType(name: "UpdateDescriptionMutation", fields: [
            "description": GraphQLField(type: GraphQLNonNull(GraphQLString)) { source, _, _, _ in source },
        ])
        let limitFields = { (names: [String]) -> InputObjectFieldMap in
            var fields: InputObjectFieldMap = [:]
            for name in names { fields[name] = InputObjectField(type: GraphQLNonNull(GraphQLString)) }
            for name in ["eventsPerSecond", "bytesPerSecond", "burstSeconds", "dailyBytes"] { fields[name] = InputObjectField(type: GraphQLFloat) }
            return fields
        }
        let tokenLimitsInput = try GraphQLInputObjectType(name: "SetIngestTokenLimitsInput", fields: limitFields(["repositoryName", "tokenName"]))
        let repositoryLimitsInput = try GraphQLInputObjectType(name: "SetRepositoryIngestLimitsInput", fields: limitFields(["repositoryName"]))
        let featureArgs: GraphQLArgumentConfigMap = ["feature": GraphQLArgument(type: GraphQLNonNull(featureFlag))]

        return try GraphQLObjectType(name: "Mutation", fields: [
            "addIngestTokenV3": GraphQLField(type: GraphQLNonNull(ingestToken),
                                             args: ["input": GraphQLArgument(type: GraphQLNonNull(addInput))]) { _, args, context, _ in
                try await operations(context).addIngestToken(
                    repository: string(args, "input", "repositoryName"), name: string(args, "input", "name"),
                    parser: optionalString(args, "input", "parser"), customToken: optionalString(args, "input", "customToken"),
                    expiresAt: optionalInt64(args, "input", "expireAt"))
            },
            "rotateIngestToken": GraphQLField(type: GraphQLNonNull(ingestToken),
                                              args: ["input": GraphQLArgument(type: GraphQLNonNull(rotateInput))]) { _, args, context, _ in
                try await operations(context).rotateIngestToken(
                    repository: string(args, "input", "repositoryName"), name: string(args, "input", "name"),
                    overlapSeconds: optionalInt64(args, "input", "overlapSeconds") ?? Snapshot.defaultRotationOverlapSeconds)
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
            "createRepository": GraphQLField(type: GraphQLNonNull(repositoryResult("CreateRepositoryMutation")), args: [
                "name": GraphQLArgument(type: GraphQLNonNull(GraphQLString)),
                "description": GraphQLArgument(type: GraphQLString),
            ]) { _, args, context, _ in
                try await operations(context).createRepository(name: string(args, "name"), description: optionalString(args, "description"))
            },
            "updateDescriptionForSearchDomain": GraphQLField(type: GraphQLNonNull(descriptionResult), args: [
                "name": GraphQLArgument(type: GraphQLNonNull(GraphQLString)),
                "newDescription": GraphQLArgument(type: GraphQLNonNull(GraphQLString)),
            ]) { _, args, context, _ in
                try await operations(context).updateDescription(repository: string(args, "name"), description: string(args, "newDescription"))
            },
            "updateRetention": GraphQLField(type: GraphQLNonNull(repositoryResult("UpdateRetentionMutation")), args: [
                "repositoryName": GraphQLArgument(type: GraphQLNonNull(GraphQLString)),
                "timeBasedRetention": GraphQLArgument(type: GraphQLFloat),
                "ingestSizeBasedRetention": GraphQLArgument(type: GraphQLFloat),
                "storageSizeBasedRetention": GraphQLArgument(type: GraphQLFloat),
                "timeBasedBackupRetention": GraphQLArgument(type: GraphQLFloat),
            ]) { _, args, context, _ in
                // An argument left out keeps the setting, null clears it (the server's default applies again).
                var changes: [Repository.RetentionSetting: Double?] = [:]
                for setting in Repository.RetentionSetting.allCases where !args[setting.rawValue].isUndefined {
                    changes.updateValue(args[setting.rawValue].double, forKey: setting)
                }
                let backup = args["timeBasedBackupRetention"]
                return try await operations(context).updateRetention(repository: string(args, "repositoryName"), changes: changes,
                                                                     backupRetention: backup.isUndefined || backup.isNull ? nil : backup.double)
            },
            "deleteSearchDomain": GraphQLField(type: GraphQLNonNull(booleanResult), args: [
                "name": GraphQLArgument(type: GraphQLNonNull(GraphQLString)),
                "deleteMessage": GraphQLArgument(type: GraphQLString),
            ]) { _, args, context, _ in
                try await operations(context).deleteRepository(name: string(args, "name"), message: optionalString(args, "deleteMessage"))
                return true
            },
            // Sluice's limit mutations (docs/limits.md): the input is the whole set, absent fields are no limit.
            "setIngestTokenLimits": GraphQLField(type: GraphQLNonNull(ingestToken),
                                                 args: ["input": GraphQLArgument(type: GraphQLNonNull(tokenLimitsInput))]) { _, args, context, _ in
                let (limits, dailyBytes) = AdminSchema.limits(args, "input")
                return try await operations(context).setIngestTokenLimits(
                    repository: string(args, "input", "repositoryName"), tokenName: string(args, "input", "tokenName"),
                    limits: limits, dailyBytes: dailyBytes)
            },
            "setRepositoryIngestLimits": GraphQLField(type: GraphQLNonNull(repositoryResult("SetRepositoryIngestLimitsMutation")),
                                                      args: ["input": GraphQLArgument(type: GraphQLNonNull(repositoryLimitsInput))]) { _, args, context, _ in
                let (limits, dailyBytes) = AdminSchema.limits(args, "input")
                return try await operations(context).setRepositoryLimits(repository: string(args, "input", "repositoryName"),
                                                                         limits: limits, dailyBytes: dailyBytes)
            },
            // LogScale's names for blocking a repository's ingest; Sluice blocks until unblocked, with an optional message.
            "blockIngest": GraphQLField(type: GraphQLNonNull(repositoryResult("BlockIngestMutation")), args: [
                "repositoryName": GraphQLArgument(type: GraphQLNonNull(GraphQLString)),
                "message": GraphQLArgument(type: GraphQLString),
            ]) { _, args, context, _ in
                try await operations(context).setIngestBlocked(repository: string(args, "repositoryName"), blocked: true,
                                                               message: optionalString(args, "message"))
            },
            "unblockIngest": GraphQLField(type: GraphQLNonNull(repositoryResult("UnblockIngestMutation")), args: [
                "repositoryName": GraphQLArgument(type: GraphQLNonNull(GraphQLString)),
            ]) { _, args, context, _ in
                try await operations(context).setIngestBlocked(repository: string(args, "repositoryName"), blocked: false, message: nil)
            },
            "createParser": GraphQLField(type: GraphQLNonNull(parserResult("CreateParserMutation")),
                                         args: ["input": GraphQLArgument(type: GraphQLNonNull(createParserInput))]) { _, args, context, _ in
                try await operations(context).installParser(
                    repository: string(args, "input", "repositoryName"), name: string(args, "input", "name"),
                    sourceCode: string(args, "input", "sourceCode"), tagFields: strings(args, "input", "tagFields"),
                    force: args[IndexPath(["input", "force"])].bool ?? false)
            },
            "removeParser": GraphQLField(type: GraphQLNonNull(parserResult("RemoveParserMutation")),
                                         args: ["input": GraphQLArgument(type: GraphQLNonNull(removeParserInput))]) { _, args, context, _ in
                try await operations(context).removeParser(repository: string(args, "input", "repositoryName"), id: string(args, "input", "id"),
                                                           operation: "removeParser")
            },
            "deleteParser": GraphQLField(type: GraphQLNonNull(booleanResult),
                                         args: ["input": GraphQLArgument(type: GraphQLNonNull(deleteParserInput))]) { _, args, context, _ in
                _ = try await operations(context).removeParser(repository: string(args, "input", "repositoryName"), id: string(args, "input", "id"),
                                                               operation: "deleteParser")
                return true
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

    /// An optional whole-number argument (`Int` or `Long`): nil when absent or null.
    static func optionalInt64(_ args: Map, _ path: IndexPathElement...) -> Int64? {
        let value = args[IndexPath(path)]
        if let int = value.int { return Int64(int) }
        if let double = value.double, double == double.rounded(), abs(double) < 9.0e18 { return Int64(double) }
        return value.string.flatMap { Int64($0) }
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
