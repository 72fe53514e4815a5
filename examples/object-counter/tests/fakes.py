"""An in-memory DynamoDB and SNS with just the calls the functions make: no AWS, no mocks.

They take boto3's keyword arguments (`TableName=...`) as `**params`, as boto3 clients do.
"""


class FakeDynamoDB:
    """`update_item` with `ADD` of numbers and `get_item`, on items keyed by `pk`."""

    def __init__(self):
        self.items = {}

    def update_item(self, **params):
        names = params.get("ExpressionAttributeNames", {})
        values = params["ExpressionAttributeValues"]
        key = params["Key"]
        item = self.items.setdefault(key["pk"]["S"], dict(key))
        for clause in params["UpdateExpression"].removeprefix("ADD ").split(","):
            name, placeholder = clause.split()
            name = names.get(name, name)
            current = int(item.get(name, {"N": "0"})["N"])
            item[name] = {"N": str(current + int(values[placeholder]["N"]))}
        return {"Attributes": dict(item)} if params.get("ReturnValues") == "ALL_NEW" else {}

    def get_item(self, **params):
        item = self.items.get(params["Key"]["pk"]["S"])
        return {"Item": dict(item)} if item else {}


class FakeSNS:
    def __init__(self):
        self.published = []

    def publish(self, **params):
        self.published.append((params["TopicArn"], params["Message"]))
        return {"MessageId": str(len(self.published))}
