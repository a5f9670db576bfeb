"""Staff: accounts and their approvals, sign-in sessions and throttling, two-factor, the audit log."""
