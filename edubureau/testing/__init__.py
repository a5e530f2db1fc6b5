"""Test support shared by every app: factories and the standard cast."""
