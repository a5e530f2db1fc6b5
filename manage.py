#!/usr/bin/env python3
"""Developers' entry point (demo secret key allowed); users run ``edubureau``."""

import os

from edubureau.cli import main

if __name__ == "__main__":
    os.environ.setdefault("EDUBUREAU_DEMO", "1")
    main()
