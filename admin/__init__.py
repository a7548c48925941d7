"""The manager's side of Dropin: command line and admin window."""
