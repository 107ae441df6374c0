/// Copies for one thread's own use. Every event loop retains the pipelines and registries it uses on
/// every request; when the loops share one object, its reference count's cache line moves between the
/// cores on each of those retains (several per 1-event request). A loop that
/// caches a copy of its own bumps counts only it touches.
extension ParserPipeline {
    /// A pipeline with the same name and stages, and its own identity.
    public func privateCopy() -> ParserPipeline {
        ParserPipeline(name: name, stages: stages)
    }
}

extension ParserRegistry {
    /// A registry whose pipelines are ``ParserPipeline/privateCopy()``s of these.
    public func privateCopy() -> ParserRegistry {
        ParserRegistry(pipelines: pipelines.mapValues { $0.privateCopy() })
    }
}
