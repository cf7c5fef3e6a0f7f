from tests.unit.files.support import FilesClient


def test_upload_then_search(files_client: FilesClient) -> None:
    r = files_client.upload(
        "acme", "pricing.txt", b"Our enterprise pricing is 40 dollars per seat.\n"
    )
    assert r.status_code == 201, r.text
    body = r.json()
    files_client.settle()
    f = files_client.file("acme", body["id"])
    assert f["status"] == "ready", f
    hits = files_client.search("acme", "enterprise pricing")
    assert hits and hits[0]["fileId"] == body["id"]
    assert files_client.search("globex", "enterprise pricing") == []
