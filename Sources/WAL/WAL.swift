// The WAL module; see docs/architecture.md.
