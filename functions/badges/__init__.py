"""Badges: the shared domain layer every endpoint Lambda imports."""
