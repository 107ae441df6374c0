// The IngestFormats module; see docs/architecture.md.
