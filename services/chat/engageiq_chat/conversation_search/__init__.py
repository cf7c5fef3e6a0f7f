"""Search of the caller's own conversations (decision 0112): titles and message text, ranked,
with a highlighted snippet per hit; a per-user index kept in the user's partition and caught
up lazily when the user searches."""
