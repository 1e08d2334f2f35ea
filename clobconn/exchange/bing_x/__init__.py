"""BingX spot: REST /openApi/spot/v1, snapshot-only depth streams and a listen-key user stream."""
