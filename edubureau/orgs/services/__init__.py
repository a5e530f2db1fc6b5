"""State changes of the orgs app, split by sub-domain: schools (the directory)
and accounts (users, roles, initial passwords)."""
