"""The engine off the GUI thread: the host over `core.library`, background tasks, live watching, thumbnails."""
