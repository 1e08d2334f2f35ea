"""HashKey Global spot: https://hashkeyglobal-apidoc.readme.io/reference (docs.hashkey.com/glb)."""
