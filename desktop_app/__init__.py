"""MediaLens desktop application (PySide6) over `core.library`."""
