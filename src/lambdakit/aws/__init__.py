"""The adapters to AWS APIs: boto3 lives only here."""
