"""Adapters of the counter service: DynamoDB and SNS for Lambda, in-memory fakes for tests."""
