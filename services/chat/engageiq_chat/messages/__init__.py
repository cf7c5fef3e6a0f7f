"""Messages: one DynamoDB item per message, paged newest-first by opaque cursors."""
