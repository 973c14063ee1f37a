"""The bundled JSON Schema files (installed as the package eventspec.schemas)."""
