"""The running portal's configuration: settings read once, the runtime (settings, engine, secret
key) and keys derived from the secret key. Imports only `data`."""
