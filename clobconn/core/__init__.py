"""The standard connector layer. Nothing in this package names a venue."""
