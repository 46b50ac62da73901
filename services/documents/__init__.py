"""Invoice documents: PDF rendering, their storage with SHA-256, downloads and archives."""
