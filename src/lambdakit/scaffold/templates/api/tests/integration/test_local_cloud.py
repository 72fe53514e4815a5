"""The whole app on this machine (lambdakit's `local_cloud` fixture): the REST API's routes, run
by the built function (with aws-lambda-powertools installed), on a local DynamoDB table.

`local_cloud` starts the app of pytest.ini's `lambdakit_template` once for the session.
"""

STAGE = "/Prod"  # the implicit REST API's stage, as in AWS


def test_an_item_is_created_read_listed_and_deleted(local_cloud):
    created = local_cloud.request("POST", f"{STAGE}/items", {"name": "apples", "quantity": 3})
    assert created.status == 201, created.text
    item = created.json()
    assert item["name"] == "apples"

    fetched = local_cloud.get(f"{STAGE}/items/{item['id']}")
    assert fetched.status == 200, fetched.text
    assert fetched.json() == item
    assert item in local_cloud.get(f"{STAGE}/items").json()["items"]

    deleted = local_cloud.request("DELETE", f"{STAGE}/items/{item['id']}")
    assert deleted.status == 204, deleted.text
    assert local_cloud.get(f"{STAGE}/items/{item['id']}").status == 404


def test_an_invalid_item_is_refused(local_cloud):
    response = local_cloud.request("POST", f"{STAGE}/items", {"quantity": 1})

    assert response.status == 400
    assert "name" in response.text


def test_the_item_is_in_the_table(local_cloud):
    created = local_cloud.request("POST", f"{STAGE}/items", {"name": "pears"}).json()

    table = local_cloud.name("ItemsTable")
    stored = local_cloud.client("dynamodb").get_item(
        TableName=table, Key={"id": {"S": created["id"]}}
    )
    assert stored["Item"]["name"] == {"S": "pears"}
