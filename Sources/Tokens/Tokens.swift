// The Tokens module; see docs/architecture.md.
