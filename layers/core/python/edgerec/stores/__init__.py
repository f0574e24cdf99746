"""Data access: the only code that talks to AWS (S3 bundles, DynamoDB top-item lists)."""
