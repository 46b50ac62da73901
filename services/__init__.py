"""The business: everything the portal does, with no knowledge of the web or of NiceGUI."""
