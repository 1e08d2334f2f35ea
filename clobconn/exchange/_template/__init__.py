"""Template Exchange: the fictional venue of docs/connectors/_template.md, as a connector to copy."""
