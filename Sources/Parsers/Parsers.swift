// The Parsers module; see docs/architecture.md.
