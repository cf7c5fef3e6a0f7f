"""Model providers: Anthropic's Messages API, or the offline responder."""
