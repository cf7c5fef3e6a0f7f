"""Uploads: the streamed POST /api/upload-file and the presigned direct-to-S3 path."""
