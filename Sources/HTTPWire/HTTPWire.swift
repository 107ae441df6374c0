// The HTTPWire module; see docs/architecture.md.
