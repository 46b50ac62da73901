"""Invoice documents: PDF rendering, their storage with SHA-256, downloads and archives. May import
notifications, invoices and everything below them."""
