"""The staff console (`/admin`): server-rendered Vietnamese pages for the
club's staff, behind a login (accounts.py), with an audit log (audit.py)."""
