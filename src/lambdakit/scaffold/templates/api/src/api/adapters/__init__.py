"""Adapters of the items port: DynamoDB for Lambda, an in-memory fake for tests."""
