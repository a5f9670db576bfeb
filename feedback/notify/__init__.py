"""Mail: the SMTP connection MAIL_URL names, and the runner that sends what the outbox holds."""
