"""Who may see what (issue 11): users and their roles, passwords, the audit log.

Floor 3, beside `jobs/`: it uses the store (`store.access`); the web
(`components.auth`) and the command line (`python -m access`) use it. The scope of
a role is decided here (`principal.scope_for`), from the user's stored row only.
"""
