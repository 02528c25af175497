"""Examples that ship with Digital Factory (device configurations, a sample partner module)."""
