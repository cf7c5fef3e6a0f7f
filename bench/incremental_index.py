"""Benchmark: what adding a file costs as a tenant grows, with segments (decision 0100); the
measurement is `bench/index_growth.py`, whose docstring says what is measured.

    .venv/bin/python bench/incremental_index.py [--files 5000] [--checkpoints 10,1000,5000]
        [--chunks-per-file 10] [--query-chunks 50000] [--bulk 1000] [--skip-growth]
        [--skip-query]

This entry point imports nothing at module level on purpose: the build processes start from
the files service's forkserver, which runs the main module again in every child (as
`__mp_main__`); a main module importing boto3 and the services would add ~0.3 s of CPU to
every build, which the service itself does not pay."""

if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.index_growth import main

    main()
