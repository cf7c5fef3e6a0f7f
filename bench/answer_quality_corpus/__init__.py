"""The answer-quality benchmark's corpus: sales documents of a fictional company (Lumora, which
sells the Lumora revenue-forecasting platform) and the questions a rep asks about them."""
