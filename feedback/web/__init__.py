"""The web plumbing every blueprint shares: headers, error pages, logs, language, labels and forms."""
