"""A chat turn: POST /api/chat, from the user's message to the streamed, stored answer."""
