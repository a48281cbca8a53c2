"""Dialogs: the library's folders and failures, and the preferences."""
