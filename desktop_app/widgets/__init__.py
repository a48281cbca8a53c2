"""Widgets and helpers more than one page uses: actions, icons, formatting, message and status bars."""
