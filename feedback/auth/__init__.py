"""Staff sign-in: the login manager's setup, the login form and the login and logout pages."""
