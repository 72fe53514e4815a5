"""Adapters of the worker service: DynamoDB for Lambda, an in-memory fake for tests."""
