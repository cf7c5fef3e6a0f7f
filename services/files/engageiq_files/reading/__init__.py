"""Reading a file where a citation points: its bytes served inline when that is safe, and its
extracted text at one location (decision 0110)."""
