"""pytest plugin (filled in by its module owner)."""
