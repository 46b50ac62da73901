"""The demo portal: believable customers and invoices (`dataset`), their history of use (`activity`)
and a simulated billing engine that keeps pushing signed events (`billing_engine`). May import
every domain but operations."""
