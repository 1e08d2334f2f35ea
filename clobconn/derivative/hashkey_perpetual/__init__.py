"""HashKey Global perpetuals: https://hashkeyglobal-apidoc.readme.io/reference (docs.hashkey.com/glb)."""
