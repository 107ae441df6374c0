#if canImport(Glibc)
import Glibc
#endif
import EventLoop
import EventModel
import HTTPWire
import IngestFormats
import Parsers
import Tokens
import WAL
import WALFormat
import POSIX

extension GatewayHandler {
    /// Authenticates, decodes, routes and appends one ingest request; the answer is deferred until every
    /// record of it is durable under the fsync policy (and, under `--ack-after replicated`, acknowledged by
    /// its repository's JetStream streams).
    func ingest(_ endpoint: IngestEndpoint, _ request: HTTPRequest, output: inout [UInt8], answer: DeferredAnswer) -> HTTPHandling {
        ingest(endpoint, request, output: &output, answer: answer, in: &workspace)
    }

    private func ingest(_ endpoint: IngestEndpoint, _ request: HTTPRequest, output: inout [UInt8], answer: DeferredAnswer,
                        in workspace: inout LoopWorkspace) -> HTTPHandling {
        let style = endpoint.answerStyle
        let route = endpoint.metricName
        let refuse = { (refusal: IngestRefusal, output: inout [UInt8]) -> HTTPHandling in
            self.countRequest(route, refusal.status(style))
            let shard = self.loop.index
            self.metrics.countReject(shard: shard, route: route, reason: refusal.reason)
            Answers.refusal(refusal, style: style, keepAlive: request.keepAlive, into: &output)
            return .answered
        }

        let principal: BorrowedPrincipal
        switch authenticate(endpoint, path: request.path, authorization: request.head.authorization.map(request.bytes)) {
        case .found(let found): principal = found
        case let outcome: return refuse(Self.credentialRefusal(outcome)!, &output)
        }
        let decision = decideIngest(principal: principal, eventRepository: nil, repository: { _ in nil })
        if case .reject(let scope) = decision, scope.refusesCredential {
            return refuse(IngestRefusal(scope), &output)
        }
        // Indexer acknowledgements: the channel is required before the body is looked at, as Splunk does.
        var ackChannel: String? = nil
        if style == .hec, hecAcksForAll || principal.usesHECAcknowledgements {
            let header = request.head.header("x-splunk-request-channel", in: request.headBytes).map(request.bytes)
            switch HECAcknowledgements.channel(header: header, query: request.head.query.map(request.bytes)) {
            case .missing: return refuse(.dataChannelMissing, &output)
            case .invalid: return refuse(.invalidDataChannel, &output)
            case .found(let channel): ackChannel = channel
            }
        }
        if let diskSpace, diskSpace.isLow { return refuse(.diskSpaceLow, &output) }

        let ingestMillis = Self.wallClockMillis()
        // The body's bytes are charged to the token's and repository's limits before decoding, its events
        // once decoded (before anything is appended); a later refusal gives the charges back.
        let limits = principal.limits
        let bodyBytes = request.body.count
        let limitNow = limits == nil ? 0 : limitClockNanos
        if let limits, let refusal = IngestRefusal(limits.chargeBytes(bodyBytes, now: limitNow, wallSeconds: ingestMillis / 1000),
                                                   blockedMessage: limits.blockedMessage) {
            return refuse(refusal, &output)
        }
        let refuseCharged = { (refusal: IngestRefusal, output: inout [UInt8]) -> HTTPHandling in
            limits?.refundBytes(bodyBytes, wallSeconds: ingestMillis / 1000)
            return refuse(refusal, &output)
        }
        var context = DecodeContext(ingestMillis: ingestMillis, tokenParser: principal.parser,
                                    parsers: view.parsers, limits: services.decodeLimits)
        if endpoint == .elasticBulk {
            if let index = Router.bulkIndex(request.path) { context.bulkDefaultIndex = Array(index) }
            if case .ingestToken = principal.kind { context.bulkIndexNamesRepository = false }
        }
        workspace.batch.removeAll()
        ingestsSinceTick += 1
        // By every exit the request's records are encoded (the WAL keeps its own bytes).
        defer { workspace.releaseLargeBuffers() }
        do {
            try workspace.decoder.decode(endpoint.format, body: request.body, context: context, into: &workspace.batch)
        } catch {
            return refuseCharged(IngestRefusal(error), &output)
        }
        let outcomes = endpoint == .elasticBulk ? workspace.decoder.bulkOutcomes : []
        let bulkFilter = endpoint != .elasticBulk ? nil
            : BulkAnswerFilter.forRequest(query: request.head.query.map(request.bytes),
                                          userAgent: request.head.header("user-agent", in: request.headBytes).map(request.bytes))
        if workspace.batch.isEmpty {
            if let ackChannel {
                // Nothing to store: durable at once.
                switch hecAcks.issue(channel: ackChannel) {
                case .success(let id):
                    hecAcks.settle(channel: ackChannel, id: id, durable: true)
                    countRequest(route, 200)
                    Answers.hecAcknowledged(ackId: id, keepAlive: request.keepAlive, into: &output)
                    return .answered
                case .failure: return refuse(.acksPending, &output)
                }
            }
            countRequest(route, 200)
            Answers.success(style, bulk: outcomes, tookMillis: 0, filter: bulkFilter, keepAlive: request.keepAlive, into: &output)
            return .answered
        }

        let targets: [(repository: String, batch: EventBatch)]
        switch routeEvents(principal, &workspace) {
        case .single(let repository):
            // The common case (a repository token): no per-request arrays.
            let log: Unretained<RepositoryLog>
            do throws(WALError) {
                log = try self.log(for: repository)
            } catch {
                return refuseCharged(IngestRefusal(error), &output)
            }
            if let limits, let refusal = IngestRefusal(limits.chargeEvents(workspace.batch.count, bytes: bodyBytes, now: limitNow,
                                                                           wallSeconds: ingestMillis / 1000),
                                                       blockedMessage: limits.blockedMessage) {
                return refuse(refusal, &output)
            }
            guard log.with({ $0.admits(bytes: request.body.count) }) else { return refuse(.backlogFull(repository), &output) }
            if let replication, !replication.hasTarget(repository) {
                return refuseCharged(IngestRefusal(replication: .noTarget, repository: repository), &output)
            }
            guard case .success(let ticket) = ackTicket(ackChannel) else { return refuse(.acksPending, &output) }
            // Read once: a label left in the catalog is built on each read.
            let label = recentCredential.lentLabel
            let pending = PendingIngest(answer: answer, metrics: Unretained(metrics), loopIndex: loop.index, route: route, style: style,
                                        outcomes: outcomes, token: label, bodyBytes: request.body.count,
                                        firstPart: (repository, workspace.batch.count), bulkFilter: bulkFilter, acknowledgement: ticket,
                                        replication: replication)
            log.with { workspace.appends.add(workspace.batch, to: $0, completion: pending.finish) }
            if let ticket {
                return acknowledged(ticket, route: route, repository: repository, events: workspace.batch.count, request, &output,
                                    bodyBytes: request.body.count, token: label)
            }
            return .deferred
        case .split(let parts): targets = parts
        case .refused(let refusal): return refuseCharged(refusal, &output)
        }
        var appendParts: [(log: RepositoryLog, batch: EventBatch)] = []
        appendParts.reserveCapacity(targets.count)
        for target in targets {
            do throws(WALError) {
                appendParts.append((try log(for: target.repository).with { $0 }, target.batch))
            } catch {
                return refuseCharged(IngestRefusal(error), &output)
            }
        }
        // Every part is admitted before any is appended, so a refusal stores nothing of the request.
        for (part, target) in zip(appendParts, targets) where !part.log.admits(bytes: target.batch.usedBytes) {
            return refuseCharged(.backlogFull(target.repository), &output)
        }
        if let replication, let missing = targets.first(where: { !replication.hasTarget($0.repository) }) {
            return refuseCharged(IngestRefusal(replication: .noTarget, repository: missing.repository), &output)
        }
        if let refusal = chargeRepositories(targets, bodyBytes: bodyBytes, wallMillis: ingestMillis) {
            return refuse(refusal, &output)
        }
        guard case .success(let ticket) = ackTicket(ackChannel) else { return refuse(.acksPending, &output) }

        let label = recentCredential.lentLabel
        let pending = PendingIngest(answer: answer, metrics: Unretained(metrics), loopIndex: loop.index, route: route, style: style,
                                    outcomes: outcomes, token: label, bodyBytes: request.body.count,
                                    firstPart: (targets[0].repository, targets[0].batch.count),
                                    otherParts: targets.dropFirst().map { ($0.repository, $0.batch.count) }, bulkFilter: bulkFilter,
                                    writes: 1, acknowledgement: ticket, replication: replication)
        // All or nothing: a part its repository cannot take refuses the whole request, and no repository
        // stores any of it, so a shipper's retry stores nothing twice (docs/wal.md).
        SplitAppend.append(appendParts, encoder: &workspace.appends.encoder, completion: pending.finishSplit)
        if let ticket {
            for target in targets.dropFirst() {
                metrics.countIngest(shard: loop.index, repository: target.repository, token: label, events: target.batch.count, bytes: 0)
            }
            return acknowledged(ticket, route: route, repository: targets[0].repository, events: targets[0].batch.count,
                                request, &output, bodyBytes: targets.count == 1 ? request.body.count : 0, token: label)
        }
        return .deferred
    }

    /// Charges each repository an API token's request reaches against that repository's limits (its share of
    /// the body's bytes, by events, and its events); a refusal gives back what the others were charged.
    private func chargeRepositories(_ targets: [(repository: String, batch: EventBatch)], bodyBytes: Int, wallMillis: Int64) -> IngestRefusal? {
        let policies = targets.map { target in tokens.repositoryLimits(named: target.repository) }
        guard policies.contains(where: { $0 != nil }) else { return nil }
        let now = limitClockNanos
        let total = max(1, targets.reduce(0) { $0 + $1.batch.count })
        var charged: [(policy: IngestLimitPolicy, events: Int, bytes: Int)] = []
        for (policy, target) in zip(policies, targets) {
            guard let policy else { continue }
            let bytes = bodyBytes * target.batch.count / total
            var verdict = policy.chargeBytes(bytes, now: now, wallSeconds: wallMillis / 1000)
            if verdict == .admit {
                verdict = policy.chargeEvents(target.batch.count, bytes: bytes, now: now, wallSeconds: wallMillis / 1000)
            }
            if let refusal = IngestRefusal(verdict, blockedMessage: policy.blockedMessage) {
                for done in charged { done.policy.refund(events: done.events, bytes: done.bytes, wallSeconds: wallMillis / 1000) }
                return refusal
            }
            charged.append((policy, target.batch.count, bytes))
        }
        return nil
    }

    /// Answers an acknowledged HEC request at once with its `ackId` and counts it as accepted (its records'
    /// outcome reaches the ack table, ``HECAckTicket``).
    private func acknowledged(_ ticket: HECAckTicket, route: String, repository: String, events: Int, _ request: HTTPRequest,
                              _ output: inout [UInt8], bodyBytes: Int, token: String) -> HTTPHandling {
        countRequest(route, 200)
        let shard = loop.index
        metrics.countIngest(shard: shard, repository: repository, token: token, events: events, bytes: bodyBytes)
        Answers.hecAcknowledged(ackId: ticket.id, keepAlive: request.keepAlive, into: &output)
        return .answered
    }

    /// On a tick that saw no ingest request, gives back what a spike of large requests grew
    /// (``LoopWorkspace/releaseIdleBuffers()``).
    func releaseBuffersIfIdle() {
        defer { ingestsSinceTick = 0 }
        guard ingestsSinceTick == 0 else { return }
        workspace.releaseIdleBuffers()
    }

    /// Checks an ingest request's credential from its head alone, before its body is read: a missing or unknown
    /// one is answered at once (the same answer ``ingest(_:_:output:answer:)`` gives) and the connection closes.
    func ingestHeadReceived(_ endpoint: IngestEndpoint, _ request: HTTPRequestHead, output: inout [UInt8]) -> HeadVerdict {
        let outcome = authenticate(endpoint, path: request.path, authorization: request.head.authorization.map(request.bytes))
        let refusal: IngestRefusal
        switch outcome {
        case .found(let principal):
            // A blocked repository's refusal needs no body: answered before it is read.
            guard let message = principal.limits?.blockedMessage else { return .proceed(authenticated: true) }
            refusal = .blocked(message)
        default:
            refusal = Self.credentialRefusal(outcome)!
        }
        let route = endpoint.metricName
        countRequest(route, refusal.status(endpoint.answerStyle))
        let shard = loop.index
        metrics.countReject(shard: shard, route: route, reason: refusal.reason)
        Answers.refusal(refusal, style: endpoint.answerStyle, keepAlive: false, into: &output)
        return .answered
    }

    /// How a credential that found no principal is answered; nil when it found one.
    static func credentialRefusal(_ outcome: CredentialOutcome<BorrowedPrincipal>) -> IngestRefusal? {
        switch outcome {
        case .found: return nil
        case .missing: return .missingCredential
        case .malformed: return .malformedCredential
        case .unknown: return .unknownCredential
        case .expired: return .expiredCredential
        }
    }

    /// The request's principal, refused when its token has expired (checked against the wake-up's wall
    /// time on every request, cached credential or not, so an expiry needs no reload); a use is recorded
    /// in the token's last-use slot. The principal is lent by `recentCredential` until its next lookup
    /// (``BorrowedPrincipal``): for this request only.
    @inline(__always)
    func authenticate(_ endpoint: IngestEndpoint, path: UnsafeRawBufferPointer, authorization: UnsafeRawBufferPointer?) -> CredentialOutcome<BorrowedPrincipal> {
        // The cache is only ever passed borrowed, never captured: a closure capturing it retains it, and both
        // loops bumping its count on every request fight over the cache line.
        let outcome: CredentialOutcome<BorrowedPrincipal>
        if endpoint == .rawWithPathToken {
            let token = Router.pathToken(path)
            let scopes = view.scopes
            outcome = recentCredential.lend(token, in: tokenCache, scopes: scopes).map(CredentialOutcome.found) ?? .unknown
        } else {
            let scopes = view.scopes
            outcome = credentials.resolve(authorization: authorization) { credential in
                recentCredential.lend(credential, in: tokenCache, scopes: scopes)
            }
        }
        guard case .found(let principal) = outcome else { return outcome }
        let now = loop.nowMillis &+ wallOffsetMillis
        guard !principal.hasExpired(atMillis: now) else {
            if let expired = recentCredential.lentPrincipal { logExpired(expired, now: now) }
            return .expired
        }
        principal.noteUse(atSeconds: UInt32(truncatingIfNeeded: now / 1000))
        return outcome
    }

    /// One log line per expired token and loop a minute at most; it names the token, never its secret.
    private func logExpired(_ principal: Principal, now: Int64) {
        if let last = lastExpiryLog, last.label == principal.metricLabel, now - last.millis < 60_000 { return }
        lastExpiryLog = (principal.metricLabel, now)
        tokens.logExpiredCredential(principal)
    }

    /// Where a request's events go: all to one repository (the batch as decoded), or split by repository; or
    /// why none may go anywhere. (One enum rather than a `Result`, whose copies go through its value witnesses.)
    enum Routing {
        case single(String)
        case split([(repository: String, batch: EventBatch)])
        case refused(IngestRefusal)
    }

    /// The log of `repository` from the loop's own map (a log not in it yet is opened through the WAL store,
    /// whose lookup takes a lock shared by every loop), remembered between requests: a loop sends request after
    /// request to the same repository.
    private func log(for repository: String) throws(WALError) -> Unretained<RepositoryLog> {
        if let recent = recentLog, recent.repository == repository { return recent.log }
        let log = try view.logs.log(for: repository, opening: services.wal)
        recentLog = (repository, log)
        return log
    }

    /// Sends every event to the repository its token allows; any event that may not go where it names
    /// refuses the whole request, so that a retry cannot store part of it twice. Only the request's routing
    /// fields reach the batch as `#repo` (a `#repo` in an event's content or a parser's output never does:
    /// see ``Parsers``' reserved names), so an event's own text cannot get its request refused.
    private func routeEvents(_ principal: BorrowedPrincipal, _ workspace: inout LoopWorkspace) -> Routing {
        let batch = workspace.batch
        if let own = principal.ingestRepository {
            guard batch.hasRepositoryField() else { return .single(own) }
            for index in 0..<batch.count {
                switch Self.namedRepository(batch, event: index) {
                case .unnamed: continue
                case .conflicting: return .refused(.conflictingRepositories(event: index))
                case .named(let named):
                    if !batch.withBytes(named, { $0.elementsEqual(own.utf8) }) {
                        return .refused(.incorrectIndex(event: index))
                    }
                }
            }
            return .single(own)
        }
        // Events of one request usually name the same repository: an event naming the bytes the previous
        // accepted one named reuses its decision (no String, no table lookup per event).
        // A name the loop's view does not know is looked up in the store: between a reload's swap and this
        // loop's new view, a token of the new set may name a repository of the new set.
        let repositories = view.repositories, store = tokens
        let repository = { (name: String) in repositories[name] ?? store.repository(named: name) }
        var accepted: (named: ByteSpan?, repository: String)?
        for index in 0..<batch.count {
            let span: ByteSpan?
            switch Self.namedRepository(batch, event: index) {
            case .unnamed: span = nil
            case .named(let named): span = named
            case .conflicting: return .refused(.conflictingRepositories(event: index))
            }
            if let accepted, Self.sameName(accepted.named, span, in: batch) {
                workspace.parts[accepted.repository, default: EventBatch()].appendCopy(of: index, from: batch)
                continue
            }
            let named = span.map { String(decoding: batch.bytes($0), as: UTF8.self) }
            switch decideIngest(principal: principal, eventRepository: named, repository: repository) {
            case .accept(let repository):
                accepted = (span, repository)
                workspace.parts[repository, default: EventBatch()].appendCopy(of: index, from: batch)
            case .reject(let scope):
                return .refused(IngestRefusal(scope, event: index))
            }
        }
        // Every event going to one repository: the batch as decoded holds them all, in order (one record,
        // which a log stores whole or not at all).
        if workspace.parts.count == 1, let only = workspace.parts.first { return .single(only.key) }
        return .split(workspace.parts.map { ($0.key, $0.value) })
    }

    /// What an event's `#repo` fields (HEC `index`, bulk `_index`, a tag or attribute) name.
    enum NamedRepository: Equatable {
        case unnamed
        case named(ByteSpan)
        /// Two `#repo` fields with different values: whichever a reader kept, it might not be the one checked.
        case conflicting
    }

    /// The repository an event's `#repo` fields name; every one of them must name the same.
    static func namedRepository(_ batch: EventBatch, event index: Int) -> NamedRepository {
        var found: ByteSpan? = nil
        for field in batch.fields(of: index) where batch.equals(field.name, "#repo") {
            if let first = found {
                if !sameName(first, field.value, in: batch) { return .conflicting }
            } else {
                found = field.value
            }
        }
        return found.map(NamedRepository.named) ?? .unnamed
    }

    /// Whether two events name the same repository (both naming none counts as the same).
    static func sameName(_ a: ByteSpan?, _ b: ByteSpan?, in batch: EventBatch) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case let (a?, b?): return batch.withBytes(a) { first in batch.withBytes(b) { first.elementsEqual($0) } }
        default: return false
        }
    }

    /// The acknowledgement ticket of a request on an ack channel (nil without one); a failure when the
    /// channel's or the gateway's pending acknowledgements are at their limit.
    private func ackTicket(_ channel: String?) -> Result<HECAckTicket?, HECAckTable.Refusal> {
        guard let channel else { return .success(nil) }
        return hecAcks.issue(channel: channel).map { HECAckTicket(acks: Unretained(hecAcks), channel: channel, id: $0) }
    }

    /// The rate buckets' clock: the loop's monotonic time of this wake-up (read once per wake-up, not per
    /// request), in nanoseconds.
    private var limitClockNanos: UInt64 { UInt64(max(loop.nowMillis, 0)) &* 1_000_000 }

    static func wallClockMillis() -> Int64 {
        WallClock.milliseconds()
    }
}

extension IngestEndpoint {
    var family: IngestEndpointFamily {
        switch self {
        case .structured: return .structured
        case .unstructured: return .unstructured
        case .raw, .rawWithPathToken: return .raw
        case .json: return .json
        case .hec, .hecRaw: return .hec
        case .elasticBulk: return .elasticBulk
        }
    }

    var format: IngestFormat {
        switch self {
        case .structured: return .structured
        case .unstructured: return .unstructured
        case .raw, .rawWithPathToken: return .raw
        case .json: return .json
        case .hec: return .hec
        case .hecRaw: return .hecRaw
        case .elasticBulk: return .elasticBulk
        }
    }
}
