// The JSONStream module; see docs/architecture.md.
