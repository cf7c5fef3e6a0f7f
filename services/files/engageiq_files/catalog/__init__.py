"""The file catalog: one metadata item per file in the files table, under "<tenant>#FILES"."""
