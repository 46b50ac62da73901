"""Running the portal: background jobs and the lease that gives them to one process, backups and
restores, moving to another database. The top of services: may import every domain."""
