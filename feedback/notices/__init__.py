"""The catalog: a rectification notice parsed into aspects, categories and items, and loaded."""
