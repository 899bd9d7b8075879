"""Shared UI pieces of the web app: Danish formatting, labels, layout helpers."""
